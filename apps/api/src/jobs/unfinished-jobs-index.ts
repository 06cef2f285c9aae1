import type { DataSource } from 'typeorm';

/** Ours, on pg-boss' table: the prefix keeps it apart from pg-boss' own job_iN indexes. */
export const UNFINISHED_JOBS_INDEX = 'minishop_job_unfinished';

/**
 * The states a queue's depth is made of; completed and cancelled jobs stay
 * in the table for hours (until pg-boss archives them) and are not counted.
 * The text is the index's predicate and the count's filter alike, so the
 * planner can use the one for the other.
 */
export const UNFINISHED_STATES = `('created', 'retry', 'active', 'failed')`;

/**
 * Lets /metrics count the jobs that matter without reading the ones that
 * do not: every scrape would otherwise scan every completed job of the
 * last hours (pg-boss has no index on the state alone). An index on the
 * partitioned table is created on each queue's partition, and on every
 * partition attached later (a new queue). Built once per database; the
 * build holds up writes to the job table meanwhile, short on a fresh
 * database, longer on a first deployment with a large backlog.
 */
export async function ensureUnfinishedJobsIndex(
  dataSource: DataSource,
  schema: string,
): Promise<void> {
  // Checked first: CREATE INDEX IF NOT EXISTS locks the table before it
  // finds the index there, and would wait for every open enqueue.
  const found: unknown[] = await dataSource.query(
    'SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2',
    [schema, UNFINISHED_JOBS_INDEX],
  );
  if (found.length > 0) return;
  await dataSource.query(
    `CREATE INDEX IF NOT EXISTS ${UNFINISHED_JOBS_INDEX} ON ${schema}.job (name, state)
      WHERE state IN ${UNFINISHED_STATES}`,
  );
}
