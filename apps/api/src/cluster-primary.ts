import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';

import { AppConfig } from './infrastructure/config/app-config.js';
import { loadEnvFile } from './infrastructure/config/load-env-file.js';
import type { EmbeddedDatabase } from './infrastructure/database/embedded-postgres.js';
import { exitAfterFailedStart } from './infrastructure/lifecycle/failed-start.js';
import { onStopSignal, STOP_SIGNAL_HANDLED } from './infrastructure/lifecycle/stop-signal.js';
import { WorkerDeaths } from './infrastructure/lifecycle/worker-deaths.js';
import { WorkerStops } from './infrastructure/lifecycle/worker-stops.js';
import { WorkersGone } from './infrastructure/lifecycle/workers-gone.js';

/**
 * `npm run start:prod`: the HTTP app (main.ts) in WEB_CONCURRENCY worker
 * processes sharing the port. The primary serves nothing; it restarts a
 * worker that dies, forwards SIGTERM/SIGINT so each worker shuts down
 * gracefully, and owns the embedded PostgreSQL when there is no DATABASE_URL,
 * so the workers share one server instead of racing to start their own. It
 * stops that server only once every worker has exited, then exits itself.
 * Workers run with the primary's node flags and environment (cluster's
 * defaults), so starting the primary through bin/minishop-node tunes them too.
 * Entered through cluster.ts, which also sets V8's start-up policy.
 */
async function primary(): Promise<void> {
  loadEnvFile();
  const config = AppConfig.fromEnv(process.env);
  const log = pino({ level: config.logLevel, base: { pid: process.pid, context: 'Cluster' } });
  const size = config.webConcurrency ?? availableParallelism();

  let embedded: EmbeddedDatabase | undefined;
  const workerEnv: Record<string, string> = {};
  if (!config.databaseUrl) {
    // Loaded only here: with DATABASE_URL the primary never needs it (or pg).
    const { startEmbeddedPostgres } =
      await import('./infrastructure/database/embedded-postgres.js');
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      database: 'minishop',
      log: (m) => log.warn(m),
    });
    workerEnv.DATABASE_URL = embedded.url;
    log.info({ port: config.embeddedPgPort }, 'embedded PostgreSQL started for the workers');
  }

  let stopping = false;
  let exitCode = 0;
  const deaths = new WorkerDeaths<Worker>(Math.max(5, 2 * size));
  const workerStops = new WorkerStops(config.shutdownGraceMs);

  const fork = (): Worker => {
    const worker = cluster.fork(workerEnv);
    log.info({ worker: worker.process.pid }, 'worker started');
    return worker;
  };

  const finish = async (): Promise<void> => {
    await embedded?.stop().catch((error: unknown) => log.error({ err: error }, 'embedded stop'));
    log.info({ exitCode }, 'all workers stopped');
    process.exit(exitCode);
  };

  // Workers are told SIGTERM, whatever the primary got: it is what they
  // shut down on.
  const stopAll = (code: number, signal?: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log.info({ signal }, 'stopping workers');
    workerStops.stopAll(Object.values(cluster.workers ?? {}));
    workersGone.watch();
  };

  cluster.on('listening', (worker) => {
    deaths.listening(worker);
    workerStops.serves(worker);
  });

  cluster.on('message', (worker, message) => {
    if (message === STOP_SIGNAL_HANDLED) workerStops.handlesStop(worker);
  });

  cluster.on('exit', (worker, code, signal) => {
    workerStops.exited(worker);
    const pid = worker.process.pid;
    if (stopping) {
      // Read by finish() once the last worker is gone (workersGone below).
      if (code !== 0) {
        exitCode = 1;
        // A worker killed by a signal (code null) logs nothing itself.
        log.warn({ worker: pid, code, signal }, 'worker did not stop cleanly');
      }
      return;
    }
    const verdict = deaths.died(worker, Date.now());
    if (verdict === 'give-up') {
      log.fatal(
        { worker: pid, ...deaths.counts() },
        'workers keep dying: giving up (check the log above for the cause)',
      );
      stopAll(1);
      return;
    }
    log.error({ worker: pid, code, signal }, 'worker died: starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, verdict.restartAfterMs);
  });

  // Set up after the exit handler above, so a worker's exit code is counted
  // before its exit can finish the stop.
  const workersGone = new WorkersGone(cluster, () => void finish());

  // A signal that came while PostgreSQL was starting (stop-signal.ts) lands
  // here at once: PostgreSQL is stopped and no worker is started.
  onStopSignal((signal) => stopAll(0, signal));
  if (stopping) return;

  log.info({ workers: size }, 'starting workers');
  for (let i = 0; i < size; i++) fork();
}

primary().catch((error: unknown) => exitAfterFailedStart('minishop cluster', error));
