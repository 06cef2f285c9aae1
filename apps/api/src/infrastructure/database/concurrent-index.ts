/** What runs the statements: a migration's QueryRunner, or a connection answering rows alike. */
export interface SqlRunner {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

/** Index names this helper puts into SQL as they are: plain lower-case identifiers only. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

function checked(name: string): string {
  if (!PLAIN_NAME.test(name)) throw new Error(`not a plain index name: ${name}`);
  return name;
}

/**
 * Builds an index without blocking writes to its table, for a migration
 * declared with `transaction = false` (CONCURRENTLY cannot run in a
 * transaction). A plain CREATE INDEX holds off every insert and update of
 * the table for as long as the build reads it: minutes on a large table,
 * during which the shop cannot take them. A build that failed or was cut
 * off leaves an invalid index of that name behind, unused but maintained
 * on every write: that one is dropped and built again, so the migration
 * can simply be run again. `definition` (what follows ON) is SQL, from the
 * migration's own text, never from input.
 */
export async function createIndexConcurrently(
  q: SqlRunner,
  name: string,
  definition: string,
): Promise<void> {
  checked(name);
  // Resolved as the DROP below resolves it, on the search path.
  const rows = (await q.query(
    'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
    [name],
  )) as { valid: boolean }[];
  if (rows[0]?.valid) return;
  if (rows[0]) await q.query(`DROP INDEX CONCURRENTLY ${name}`);
  await q.query(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
}

export async function dropIndexConcurrently(q: SqlRunner, name: string): Promise<void> {
  await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${checked(name)}`);
}
