import { createHash } from 'node:crypto';

import type { PoolClient, QueryResultRow } from 'pg';
import { type EntityManager, QueryFailedError } from 'typeorm';

import { pgPoolOf } from './pg-pool-of.js';

/**
 * A statement PostgreSQL parses and plans once per connection instead of on
 * every call. On the hot paths (checkout, the guard's account check) parsing
 * and planning cost the database several times what executing does. The
 * name is derived from the text, so two statements can never share one.
 * (Needs session-level pooling; a transaction-pooling proxy such as
 * PgBouncer in transaction mode would need its prepared-statement support.)
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

export interface PreparedResult<R> {
  rows: R[];
  /** Rows inserted, updated, deleted or returned. */
  rowCount: number;
}

export function prepared(text: string): PreparedStatement {
  return { name: `ms_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text };
}

const byText = new Map<string, PreparedStatement>();

/**
 * `prepared(text)`, made once per text, for a caller that holds the text
 * rather than a statement made up front (a library's SQL, a repository's
 * literals): the name's hash is not worked out on every call. Only for
 * texts from a fixed set, as each is kept for the life of the process.
 */
export function preparedFor(text: string): PreparedStatement {
  let statement = byText.get(text);
  if (!statement) byText.set(text, (statement = prepared(text)));
  return statement;
}

interface PgQueryRunner {
  connect(): Promise<PoolClient>;
}

/**
 * Runs `statement` in the manager's transaction (on its connection), or on
 * any pooled connection when the manager has none. Straight on the driver,
 * not through TypeORM's query(), which adds nothing here but per-query work.
 * Errors are TypeORM's QueryFailedError, as from manager.query(), so callers
 * read `driverError.code` the same way.
 */
export async function runPrepared<R extends QueryResultRow = QueryResultRow>(
  manager: EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<PreparedResult<R>> {
  const runner = manager.queryRunner as unknown as PgQueryRunner | undefined;
  const config = { name: statement.name, text: statement.text, values };
  try {
    const result = runner
      ? await (await runner.connect()).query<R>(config)
      : await pgPoolOf(manager.connection).query<R>(config);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    throw new QueryFailedError(statement.text, values, error as Error);
  }
}
