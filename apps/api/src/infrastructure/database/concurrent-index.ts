import type { QueryRunner } from 'typeorm';

/**
 * Builds an index without blocking writes to its table, for a migration
 * declared with `transaction = false` (CONCURRENTLY cannot run in a
 * transaction). A plain CREATE INDEX holds off every insert and update of
 * the table for as long as the build reads it: minutes on a large table,
 * during which the shop cannot take them. A build that failed or was cut
 * off leaves an invalid index of that name behind, unused but maintained
 * on every write: that one is dropped and built again, so the migration
 * can simply be run again.
 */
export async function createIndexConcurrently(
  q: QueryRunner,
  name: string,
  definition: string,
): Promise<void> {
  const rows = (await q.query(
    `SELECT i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`,
    [name],
  )) as { valid: boolean }[];
  if (rows[0]?.valid) return;
  if (rows[0]) await q.query(`DROP INDEX CONCURRENTLY "${name}"`);
  await q.query(`CREATE INDEX CONCURRENTLY "${name}" ON ${definition}`);
}

export async function dropIndexConcurrently(q: QueryRunner, name: string): Promise<void> {
  await q.query(`DROP INDEX CONCURRENTLY IF EXISTS "${name}"`);
}
