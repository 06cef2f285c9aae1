import { setTimeout as sleep } from 'node:timers/promises';

import type { DataSource, QueryRunner } from 'typeorm';

/** How often a process queued behind another asks for the lock again. */
const RETRY_MS = 200;

/** How often a queued process says again who it is waiting for. */
export const REPORT_EVERY_MS = 30_000;

/** The session holding an advisory lock, as pg_stat_activity shows it. */
export interface LockHolder {
  pid: number;
  applicationName: string;
  clientAddress: string | null;
  /** What the session is doing now: `active`, `idle in transaction`, … */
  state: string | null;
  /** Seconds since it began its current transaction, or its statement when in none. */
  busySeconds: number | null;
}

export interface AdvisoryLockWait {
  /**
   * Called `firstReportAfterMs` after the lock is found taken (at once by
   * default), and again every `reportEveryMs` while the wait lasts: a start
   * that hangs here says who holds it up. `holder` is undefined when the
   * holder let go meanwhile or cannot be seen.
   */
  onWait: (holder: LockHolder | undefined, waitedMs: number) => void;
  firstReportAfterMs?: number;
  reportEveryMs?: number;
}

/**
 * Runs `work` while holding a session-level advisory lock on a connection
 * of its own, so processes starting together take turns. A queued process
 * asks for the lock again and again rather than waiting inside
 * pg_advisory_lock(): a waiting statement keeps its snapshot, and an index
 * built CONCURRENTLY (a migration) by the lock's holder waits for every
 * older snapshot of the database to end. The two would wait for each other
 * for ever, through a lock PostgreSQL's deadlock detector cannot see (the
 * holder's other, idle connection).
 *
 * The wait has no time limit: a migration may rightly take minutes (an
 * index built on a large table), and a process that gave up would be
 * started again to queue behind the same lock. Instead it reports, now and
 * then, which session holds the lock.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  key: number,
  work: () => Promise<T>,
  wait?: AdvisoryLockWait,
): Promise<T> {
  const held = await holding(
    dataSource,
    key,
    async (runner) => {
      await take(runner, key, wait);
      return true;
    },
    async () => ({ result: await work() }),
  );
  return held!.result;
}

/**
 * Runs `work` while holding a session-level advisory lock on a connection
 * of its own, unless another session holds it: then null at once, without
 * waiting. For work that one process at a time does, and that a process
 * finding it under way simply leaves to that one. The lock is held for as
 * long as `work` runs, however long that is, and ends with its session
 * should the process die.
 */
export async function withAdvisoryLockIfFree<T>(
  dataSource: DataSource,
  key: number,
  work: () => Promise<T>,
): Promise<T | null> {
  return holding(dataSource, key, (runner) => tryLock(runner, key), work);
}

/**
 * `work` run on a connection of its own once `acquire` has taken the lock
 * there, then the lock let go; null, and no work, when `acquire` says it
 * did not take it.
 */
async function holding<T>(
  dataSource: DataSource,
  key: number,
  acquire: (runner: QueryRunner) => Promise<boolean>,
  work: () => Promise<T>,
): Promise<T | null> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (!(await acquire(runner))) return null;
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

async function tryLock(runner: QueryRunner, key: number): Promise<boolean> {
  const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS taken', [key])) as {
    taken: boolean;
  }[];
  return row?.taken === true;
}

async function take(runner: QueryRunner, key: number, wait?: AdvisoryLockWait): Promise<void> {
  let started: number | undefined;
  let reportDue = 0;
  for (;;) {
    if (await tryLock(runner, key)) return;
    const now = performance.now();
    if (started === undefined) {
      // Waiting starts when the lock is found taken: a report then says 0.
      started = now;
      reportDue = now + (wait?.firstReportAfterMs ?? 0);
    }
    if (wait && now >= reportDue) {
      reportDue = now + (wait.reportEveryMs ?? REPORT_EVERY_MS);
      wait.onWait(await holderOf(runner, key), Math.round(now - started));
    }
    await sleep(RETRY_MS);
  }
}

/**
 * A bigint advisory key is kept as its high and low 32 bits (classid,
 * objid), with objsubid 1; the keys used here fit in the low half.
 */
async function holderOf(runner: QueryRunner, key: number): Promise<LockHolder | undefined> {
  const rows = (await runner
    .query(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS client_address, a.state,
              extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::int AS busy_seconds
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.classid = 0 AND l.objid = $1
        LIMIT 1`,
      [key],
    )
    .catch(() => [])) as {
    pid: number;
    application_name: string;
    client_address: string | null;
    state: string | null;
    busy_seconds: number | null;
  }[];
  const [row] = rows;
  if (!row) return undefined;
  return {
    pid: row.pid,
    applicationName: row.application_name,
    clientAddress: row.client_address,
    state: row.state,
    busySeconds: row.busy_seconds,
  };
}

/** The log line of a process queued behind another's `what`. */
export function waitingFor(what: string, holder: LockHolder | undefined, waitedMs: number): string {
  const waited = waitedMs > 0 ? ` (waited ${Math.round(waitedMs / 1000)} s so far)` : '';
  if (!holder) return `another instance is ${what}; waiting for it${waited}`;
  const who = [
    `pid ${holder.pid}`,
    holder.applicationName ? `application "${holder.applicationName}"` : undefined,
    holder.clientAddress ? `from ${holder.clientAddress}` : undefined,
    holder.state
      ? `${holder.state}${holder.busySeconds !== null ? ` for ${holder.busySeconds} s` : ''}`
      : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `another instance is ${what}; waiting for it${waited}: the lock is held by PostgreSQL session ${who}`;
}
