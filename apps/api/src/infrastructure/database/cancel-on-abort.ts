import { setTimeout as sleep } from 'node:timers/promises';

import type { DataSource, EntityManager } from 'typeorm';

/**
 * How often the cancel is sent again: one that reaches the backend between
 * two statements is ignored, and the next may wait just as long.
 */
const RESEND_MS = 100;

/**
 * Runs `work` on `m`, a transaction's manager, and once `abort` is aborted
 * cancels the statement it is running (pg_cancel_backend, from another
 * connection of `dataSource`) until `work` settles: the statement fails,
 * so the transaction rolls back, however long it would have waited (a row
 * lock another transaction holds, a slow disk). A statement cannot be
 * stopped from its own connection, which is busy with it.
 *
 * `work` settles only after the last cancel sent has been answered, so no
 * cancel is still on its way once the connection goes back to the pool,
 * where it would hit whoever uses the connection next.
 */
export async function cancelOnAbort<T>(
  dataSource: DataSource,
  m: EntityManager,
  abort: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  const [{ pid }] = (await m.query('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
  const settled = new AbortController();
  let cancelling: Promise<void> | undefined;
  const cancel = async (): Promise<void> => {
    while (!settled.signal.aborted) {
      // A cancel that fails (the pool closing) is sent again; the caller's
      // own deadline still bounds the wait.
      await dataSource.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
      await sleep(RESEND_MS, undefined, { signal: settled.signal }).catch(() => undefined);
    }
  };
  const start = (): void => {
    cancelling ??= cancel();
  };
  if (abort.aborted) start();
  else abort.addEventListener('abort', start, { once: true });
  try {
    return await work();
  } finally {
    abort.removeEventListener('abort', start);
    settled.abort();
    await cancelling;
  }
}
