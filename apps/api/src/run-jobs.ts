import 'reflect-metadata';

import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';

import { AppModule } from './app.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { loadEnvFile } from './infrastructure/config/load-env-file.js';
import { pingDatabase } from './infrastructure/database/database-ping.js';
import { DatabaseServer } from './infrastructure/database/database-server.js';
import { pgPoolOf } from './infrastructure/database/pg-pool-of.js';
import { exitAfterFailedStart } from './infrastructure/lifecycle/failed-start.js';
import { exitJobWorkerGracefullyOnSignals } from './infrastructure/lifecycle/graceful-shutdown.js';
import { stopRequested } from './infrastructure/lifecycle/stop-signal.js';
import {
  HEARTBEAT_PING_TIMEOUT_MS,
  WorkerHeartbeat,
} from './infrastructure/lifecycle/worker-heartbeat.js';
import { startupLogger } from './infrastructure/logging/startup-logger.js';
import { lowerProcessPriority } from './infrastructure/runtime/process-priority.js';
import { useServingHeapPolicy } from './infrastructure/runtime/start-heap-policy.js';
import { JobRegistry } from './jobs/job-registry.js';
import { PgBossRuntime } from './jobs/pg-boss-runtime.js';

/**
 * The job worker: the same modules as the API, no HTTP. On SIGTERM/SIGINT it
 * stops fetching, lets in-flight jobs finish within WORKER_SHUTDOWN_GRACE_MS,
 * fails the rest for a retry elsewhere, closes the pool, stops an embedded
 * PostgreSQL it started and exits: 0, or 1 if jobs had to be failed
 * (graceful-shutdown.ts).
 */
async function main(): Promise<void> {
  loadEnvFile();
  const config = AppConfig.forJobWorker(process.env);
  const app = await NestFactory.createApplicationContext(AppModule.register(config), {
    bufferLogs: true,
    logger: startupLogger(),
    // Thrown to exitAfterFailedStart rather than exiting on the spot: see bootstrap.ts.
    abortOnError: false,
  });
  // Only now: an embedded PostgreSQL started above, which the API may join,
  // would otherwise inherit the worker's priority, and so would its queries.
  lowerProcessPriority(config.workerNice);
  app.useLogger(app.get(Logger));
  // A stop signal while starting (stop-signal.ts) waited for the context to
  // be built, so that an embedded PostgreSQL it started is stopped with it:
  // it is closed now.
  const jobs = app.get(PgBossRuntime);
  const logger = new NestLogger('Worker');
  const heartbeat = config.workerHeartbeatFile
    ? new WorkerHeartbeat(
        config.workerHeartbeatFile,
        () => pingDatabase(pgPoolOf(app.get(DataSource)), HEARTBEAT_PING_TIMEOUT_MS),
        logger,
      )
    : undefined;
  exitJobWorkerGracefullyOnSignals(
    app,
    config.jobsShutdownGraceMs,
    () => jobs.jobsFailedAtShutdown,
    () => heartbeat?.stop(),
  );
  // Ready (the log line, the heartbeat) once every queue is worked.
  await jobs.loopsStarted();
  if (stopRequested()) return;
  useServingHeapPolicy();
  heartbeat?.start();
  logger.log(
    `Worker ready: ${app
      .get(JobRegistry)
      .all()
      .map((j) => j.name)
      .join(', ')} on ${app.get(DatabaseServer).displayUrl}`,
  );
}

main().catch((error: unknown) => exitAfterFailedStart('minishop worker', error));
