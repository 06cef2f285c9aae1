import 'reflect-metadata';

import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { AppModule } from '../src/app.module.js';
import { AppConfig } from '../src/infrastructure/config/app-config.js';
import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { JobHandler } from '../src/jobs/job-handler.decorator.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { PgBossRuntime } from '../src/jobs/pg-boss-runtime.js';

declare module '../src/jobs/job-payloads.js' {
  interface JobPayloads {
    'bench.noop': { i: number };
  }
}

let handled = 0;

@Injectable()
class NoopHandler {
  @JobHandler('bench.noop', { retryLimit: 0, concurrency: 4, batchSize: 50 })
  async handle(): Promise<void> {
    handled++;
  }
}

@Module({ providers: [NoopHandler] })
class BenchJobsModule {}

export interface JobsBenchResult {
  count: number;
  /** Jobs written per second, all in one transaction (the enqueue path of a use case). */
  enqueuePerSecond: number;
  /** Jobs completed per second by one worker process, from commit to an empty queue. */
  jobsPerSecond: number;
  drainMs: number;
}

/**
 * Throughput of the job system with a no-op handler: `count` jobs enqueued in
 * one transaction, then the time until one worker process has completed them
 * all. Uses DATABASE_URL, else the embedded PostgreSQL (as `npm start`).
 */
export async function benchJobs({
  count,
  env = process.env,
}: {
  count: number;
  env?: Record<string, string | undefined>;
}): Promise<JobsBenchResult> {
  const config = AppConfig.fromEnv({ ...env, LOG_LEVEL: 'silent', RUN_WORKER: 'inline' });
  const app = await NestFactory.createApplicationContext(
    { module: class BenchJobsRoot {}, imports: [AppModule.register(config), BenchJobsModule] },
    { logger: false },
  );
  try {
    const boss = app.get(PgBossRuntime).boss;
    await boss.purgeQueue('bench.noop');
    handled = 0;
    const queue = app.get(JobQueue);
    const enqueueStart = performance.now();
    await app.get(TransactionRunner).run(async (m) => {
      for (let i = 0; i < count; i++) await queue.enqueue('bench.noop', { i }, { manager: m });
    });
    const committed = performance.now();
    while ((await boss.getQueueSize('bench.noop', { before: 'completed' })) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const drained = performance.now();
    if (handled < count) throw new Error(`only ${handled} of ${count} jobs were handled`);
    const drainMs = drained - committed;
    return {
      count,
      enqueuePerSecond: Math.round((count / (committed - enqueueStart)) * 1000),
      jobsPerSecond: Math.round((count / drainMs) * 1000),
      drainMs: Math.round(drainMs),
    };
  } finally {
    await app.close();
  }
}
