import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';

import { prepared, type PreparedStatement } from '../infrastructure/database/prepared-statement.js';

/** Texts prepared at most: pg-boss has a few dozen fixed ones. */
const MAX_PREPARED = 64;
/** Texts counted at most before one is seen again (bounds memory if some text varies). */
const MAX_COUNTED = 1_000;

export interface ClosableDb extends PgBoss.Db {
  /** Ends the pool; pg-boss calls after that (a job finishing late) are ignored, as with its own. */
  close(): Promise<void>;
}

/**
 * pg-boss' database adapter over our own pool, preparing the statements it
 * runs again and again. Its fetch and complete work on a table partitioned
 * by queue, which PostgreSQL plans anew for every unprepared call at about a
 * millisecond each, many times what running them costs; a worker under load
 * runs them for every batch. (Prepared, they are still planned per call
 * unless the pool asks for generic plans: see jobsPool.) A text is prepared
 * once it has been seen twice, so one-off and varying texts stay
 * unprepared, and only with parameters:
 * pg-boss sends some scripts of several statements (its maintenance under an
 * advisory lock), which cannot be prepared.
 */
export function preparingDb(pool: Pool): ClosableDb {
  const statements = new Map<string, PreparedStatement | number>();
  let preparedCount = 0;
  let closed = false;
  return {
    executeSql: async (text: string, values: unknown[] = []) => {
      // What pg-boss' own adapter answers once closed: nothing.
      if (closed) return undefined as unknown as { rows: unknown[] };
      const known = statements.get(text);
      if (typeof known === 'object') return pool.query({ ...known, values });
      const seen = (known ?? 0) + 1;
      if (seen >= 2 && values.length > 0 && preparedCount < MAX_PREPARED) {
        const statement = prepared(text);
        statements.set(text, statement);
        preparedCount++;
        return pool.query({ ...statement, values });
      }
      if (known !== undefined || statements.size < MAX_COUNTED) statements.set(text, seen);
      return pool.query(text, values);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
