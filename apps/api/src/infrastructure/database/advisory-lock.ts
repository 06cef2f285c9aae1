import { setTimeout as sleep } from 'node:timers/promises';

import type { DataSource, QueryRunner } from 'typeorm';

/** How often a process queued behind another asks for the lock again. */
const RETRY_MS = 200;

/**
 * Runs `work` while holding a session-level advisory lock on a connection
 * of its own, so processes starting together take turns. A queued process
 * asks for the lock again and again rather than waiting inside
 * pg_advisory_lock(): a waiting statement keeps its snapshot, and an index
 * built CONCURRENTLY (a migration) by the lock's holder waits for every
 * older snapshot of the database to end. The two would wait for each other
 * for ever, through a lock PostgreSQL's deadlock detector cannot see (the
 * holder's other, idle connection). `onWait` is called once, when the lock
 * is found taken.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  key: number,
  work: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await take(runner, key, onWait);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    await runner.release();
  }
}

async function take(runner: QueryRunner, key: number, onWait?: () => void): Promise<void> {
  for (let waited = false; ; waited = true) {
    const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS taken', [key])) as {
      taken: boolean;
    }[];
    if (row?.taken) return;
    if (!waited) onWait?.();
    await sleep(RETRY_MS);
  }
}
