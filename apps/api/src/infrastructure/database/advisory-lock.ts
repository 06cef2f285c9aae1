import { setTimeout as sleep } from 'node:timers/promises';

import type { QueryRunner } from 'typeorm';

/** How often a process queued behind another asks for the lock again. */
const RETRY_MS = 200;

/**
 * Takes a session-level advisory lock on `runner`'s connection, asking again
 * and again while another session holds it, rather than waiting inside
 * pg_advisory_lock(): a waiting statement keeps its snapshot, and an index
 * built CONCURRENTLY (a migration) by the session's holder waits for every
 * older snapshot of the database to end. The two would wait for each other
 * for ever, through a lock PostgreSQL's deadlock detector cannot see (the
 * holder's other, idle connection). `onWait` is called once, when the lock
 * is found taken.
 */
export async function takeAdvisoryLock(
  runner: QueryRunner,
  key: number,
  onWait?: () => void,
): Promise<void> {
  for (let waited = false; ; waited = true) {
    const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS taken', [key])) as {
      taken: boolean;
    }[];
    if (row?.taken) return;
    if (!waited) onWait?.();
    await sleep(RETRY_MS);
  }
}
