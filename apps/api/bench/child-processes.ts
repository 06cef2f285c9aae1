import type { ChildProcess } from 'node:child_process';

import { stopStartedEmbeddedPostgres } from '../src/infrastructure/database/embedded-postgres.js';

/** How long the processes get to stop on SIGTERM before they are killed. */
const STOP_LIMIT_MS = 20_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const running = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];

/**
 * Registers a process the bench started. A bench stopped by a signal (a
 * `kill`, a CI job's timeout) would otherwise leave the API, its worker,
 * its embedded PostgreSQL and Stripe's emulator running, holding their
 * ports and the database: they are stopped first, then the bench dies of
 * the same signal.
 */
export function tracked<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Work for a signal to do once the processes have stopped (the bench's database dropped). */
export function onStopSignal(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopAll(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGTERM');
  const limit = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, STOP_LIMIT_MS);
  await Promise.all(children.map(exited));
  clearTimeout(limit);
  // The jobs and import benches run the app in this process, which starts
  // its own embedded PostgreSQL without DATABASE_URL.
  await stopStartedEmbeddedPostgres().catch((error: unknown) => {
    process.stderr.write(`stopping the bench's embedded PostgreSQL failed: ${String(error)}\n`);
  });
  for (const cleanup of cleanups.splice(0)) {
    await cleanup().catch((error: unknown) => {
      process.stderr.write(`bench cleanup after a signal failed: ${String(error)}\n`);
    });
  }
}

let stopping = false;

/**
 * Whether a signal is stopping the bench: the run's own failures that
 * follow (its API gone) are the stop's, which ends the process itself.
 */
export function stopRequested(): boolean {
  return stopping;
}

for (const signal of SIGNALS) {
  // `on`, not `once`: a library's signal-exit handler re-raises the signal
  // at once when it finds no other listener, and Node drops a `once`
  // listener before calling it.
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the bench's processes\n`);
    void stopAll().finally(() => {
      // Dies of the signal, as a shell and a CI runner expect.
      for (const s of SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    });
  });
}

// Whatever else ends the bench (an uncaught error), its processes end with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});
