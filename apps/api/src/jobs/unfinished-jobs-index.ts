import { createHash } from 'node:crypto';

import type { Pool, PoolClient } from 'pg';

import {
  createIndexConcurrently,
  type SqlRunner,
} from '../infrastructure/database/concurrent-index.js';

/** Ours, on pg-boss' table: the prefix keeps it apart from pg-boss' own job_iN indexes. */
export const UNFINISHED_JOBS_INDEX = 'minishop_job_unfinished';

/**
 * The states a queue's depth is made of; completed and cancelled jobs stay
 * in the table for hours (until pg-boss archives them) and are not counted.
 * The text is the index's predicate and the count's filter alike, so the
 * planner can use the one for the other.
 */
export const UNFINISHED_STATES = `('created', 'retry', 'active', 'failed')`;

// Arbitrary constant: one process at a time builds the index.
const BUILD_LOCK = 7_305_004;
/**
 * How long making the index of the partitioned table may wait for the
 * table's writers (open transactions that enqueued a job): while it waits,
 * later enqueues wait behind it. Not got in time, it is tried at the next start.
 */
const PARENT_LOCK_TIMEOUT = '3s';

/**
 * Lets /metrics count the jobs that matter without reading the ones that
 * do not: every scrape would otherwise scan every completed job of the last
 * hours (pg-boss has no index on the state alone).
 *
 * Built without holding up job writes, which a plain CREATE INDEX on pg-boss'
 * partitioned table would (every queue's partition, for as long as it reads
 * them), and CONCURRENTLY cannot be asked of a partitioned table: the index
 * is made for the table alone (ON ONLY, reading no row), then built on each
 * queue's partition concurrently and attached. PostgreSQL marks it valid
 * once every partition's is attached, and builds one itself on a partition
 * attached later (a new queue, empty then). An interrupted build is taken up
 * at the next start; until the index is whole, counts read the table as
 * before. On one connection of `pool` (the job queue's, not the requests'),
 * holding a lock so that one process at a time builds. Whether it is whole.
 */
export async function ensureUnfinishedJobsIndex(pool: Pool, schema: string): Promise<boolean> {
  const parent = `${schema}.${UNFINISHED_JOBS_INDEX}`;
  const client = await pool.connect();
  let broken: Error | undefined;
  // A connection lost while held here (a database restart) is also an
  // 'error' event, which unheard would end the process; the statement in
  // flight rejects with it.
  const lost = (error: Error) => (broken = error);
  client.on('error', lost);
  try {
    if (await isValid(client, parent)) return true;
    const { rows } = await client.query<{ taken: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS taken',
      [BUILD_LOCK],
    );
    if (!rows[0]?.taken) return false;
    try {
      await build(client, schema, parent);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [BUILD_LOCK]);
    }
    return await isValid(client, parent);
  } catch (error) {
    // Its session may still hold the lock or a setting: not handed back.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener('error', lost);
    client.release(broken);
  }
}

async function isValid(client: PoolClient, index: string): Promise<boolean> {
  const { rows } = await client.query<{ valid: boolean }>(
    'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass($1)',
    [index],
  );
  return rows[0]?.valid === true;
}

async function build(client: PoolClient, schema: string, parent: string): Promise<void> {
  await client.query(`SET lock_timeout = '${PARENT_LOCK_TIMEOUT}'`);
  try {
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${UNFINISHED_JOBS_INDEX} ON ONLY ${schema}.job (name, state)
        WHERE state IN ${UNFINISHED_STATES}`,
    );
  } finally {
    await client.query('RESET lock_timeout');
  }
  // Queues' partitions without an index attached to ours yet.
  const { rows: partitions } = await client.query<{ partition: string }>(
    `SELECT c.relname AS partition
       FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
      WHERE h.inhparent = to_regclass($1)
        AND NOT EXISTS (
          SELECT 1 FROM pg_inherits a JOIN pg_index x ON x.indexrelid = a.inhrelid
           WHERE a.inhparent = to_regclass($2) AND x.indrelid = c.oid)
      ORDER BY c.relname`,
    [`${schema}.job`, parent],
  );
  const rowsOf: SqlRunner = {
    query: async (text, params) => (await client.query(text, params)).rows,
  };
  // createIndexConcurrently names indexes as they resolve on the search path.
  await client.query(`SET search_path TO ${schema}`);
  try {
    for (const { partition } of partitions) {
      const name = `minishop_job_unfinished_${createHash('sha1').update(partition).digest('hex').slice(0, 16)}`;
      await createIndexConcurrently(
        rowsOf,
        name,
        `${schema}.${partition} (name, state) WHERE state IN ${UNFINISHED_STATES}`,
      );
      // Waits for nobody: it locks the two indexes, not the partition.
      await client.query(`ALTER INDEX ${parent} ATTACH PARTITION ${schema}.${name}`);
    }
  } finally {
    await client.query('RESET search_path');
  }
}
