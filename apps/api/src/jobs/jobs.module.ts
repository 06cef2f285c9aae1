import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { JobHandlerExplorer } from './job-handler.explorer.js';
import { JobIdempotency } from './job-idempotency.js';
import { JobQueue } from './job-queue.js';
import { JobRegistry } from './job-registry.js';
import { JobsMetrics } from './jobs.metrics.js';
import { JobsOptions } from './jobs.options.js';
import { JobsStatusService } from './jobs-status.service.js';
import { PgBossJobQueue } from './pg-boss-job-queue.js';
import { PgBossRuntime } from './pg-boss-runtime.js';

/**
 * Background jobs on pg-boss, in the application's PostgreSQL. Global so
 * every feature can inject JobQueue and JobIdempotency and declare handlers
 * with @JobHandler without importing anything.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: JobsOptions, inject: [AppConfig], useFactory: JobsOptions.fromConfig },
    JobRegistry,
    JobHandlerExplorer,
    PgBossRuntime,
    { provide: JobQueue, useClass: PgBossJobQueue },
    JobIdempotency,
    JobsStatusService,
    JobsMetrics,
  ],
  exports: [JobQueue, JobRegistry, JobIdempotency, JobsStatusService],
})
export class JobsModule {}
