/**
 * SIGTERM/SIGINT caught from the moment an entry point starts. Without a
 * handler a signal terminates the process on the spot, so one that arrives
 * while the process is still starting (loading modules, starting the embedded
 * PostgreSQL, migrating) used to kill it with code 143 and leave that
 * PostgreSQL, and the cluster's workers, running. Here the first signal is
 * remembered and handed to whoever takes over the shutdown once there is
 * something to shut down; later signals are ignored, as the shutdown they ask
 * for is already under way.
 *
 * Installed on import: entry points (main.ts, cluster.ts, worker.ts) import
 * this module before anything else that takes time. A cluster worker then
 * says so to its primary (cluster-primary.ts).
 */
import cluster from 'node:cluster';

type StopHandler = (signal: NodeJS.Signals) => void;

/**
 * What a cluster worker tells its primary once it handles stop signals:
 * until then a SIGTERM would kill it outright, so the primary holds it back.
 */
export const STOP_SIGNAL_HANDLED = 'minishop:stop-signal-handled';

let received: NodeJS.Signals | undefined;
let handler: StopHandler | undefined;

function onSignal(signal: NodeJS.Signals): void {
  if (received) return;
  received = signal;
  handler?.(signal);
}

process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
if (cluster.isWorker) process.send?.(STOP_SIGNAL_HANDLED);

/** Whether a stop signal has arrived. */
export function stopRequested(): boolean {
  return received !== undefined;
}

/** Hands the shutdown to `stop`, at once if a signal came in the meantime. */
export function onStopSignal(stop: StopHandler): void {
  handler = stop;
  if (received) stop(received);
}
