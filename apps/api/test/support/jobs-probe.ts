import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type pg from 'pg';
import { DataSource } from 'typeorm';

import { AppModule } from '../../src/app.module.js';
import { AppConfig } from '../../src/infrastructure/config/app-config.js';
import { MigrationRunner } from '../../src/infrastructure/database/migration-runner.js';
import { TransactionRunner } from '../../src/infrastructure/database/transaction-runner.js';
import { JobHandler } from '../../src/jobs/job-handler.decorator.js';
import { JobIdempotency } from '../../src/jobs/job-idempotency.js';
import type { JobContext } from '../../src/jobs/job-payloads.js';
import { JobsOptions } from '../../src/jobs/jobs.options.js';

declare module '../../src/jobs/job-payloads.js' {
  interface JobPayloads {
    'test.record': { key: string };
    'test.bulk': { n: number };
    'test.fail': { n: number };
    'test.fail-text': Record<string, never>;
    'test.dead': { n: number; hangMs?: number };
    'test.dead.dlq': { n: number; hangMs?: number };
    'test.slow': { key: string; ms: number };
    'test.kill': { orderId: string };
    'test.plan': { key: string; attempts: { ms: number; fail: boolean }[] };
    'test.plan-now': { key: string; attempts: { ms: number; fail: boolean }[] };
  }
}

/** Fast polling and expiry so the tests take seconds. */
export function fastJobsOptions(overrides: Partial<JobsOptions> = {}): JobsOptions {
  return Object.assign(new JobsOptions(), {
    pollingIntervalSeconds: 0.5,
    maintenanceIntervalSeconds: 1,
    shutdownGraceMs: 3_000,
    ...overrides,
  });
}

/** Calls observed by the probe handlers, per process. */
export const probeCalls = {
  record: [] as string[],
  fail: 0,
  kill: [] as { jobId: string; retryCount: number; applied: boolean }[],
  slowStarted: [] as string[],
  slowFinished: [] as string[],
  /** `key:retryCount:outcome` of each test.plan attempt, when it ends. */
  plan: [] as string[],
};

/** How to end each test.slow job still waiting out its `ms`, by key. */
const slowWaits = new Map<string, () => void>();

/**
 * Ends the wait of the test.slow job `key` now, or of every one still
 * waiting: a test that needs a job to outlast something (a grace period)
 * can give it far more time than that and still not wait for it.
 */
export function releaseSlow(key?: string): void {
  for (const [k, release] of slowWaits) if (key === undefined || k === key) release();
}

/** Handlers with a real, idempotent effect on the `job_effects` table. */
@Injectable()
export class ProbeHandlers {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly idempotency: JobIdempotency,
  ) {}

  @JobHandler('test.record', { retryLimit: 1, retryDelay: 0 })
  async record(payload: { key: string }): Promise<void> {
    probeCalls.record.push(payload.key);
    await this.tx.run((m) =>
      m.query('INSERT INTO job_effects (key) VALUES ($1) ON CONFLICT DO NOTHING', [payload.key]),
    );
  }

  /** Does nothing: a queue of its own whose table only the statistics test fills. */
  @JobHandler('test.bulk', { retryLimit: 0, batchSize: 4 })
  async bulk(): Promise<void> {}

  @JobHandler('test.fail', { retryLimit: 2, retryDelay: 1, retryBackoff: false })
  async fail(): Promise<void> {
    probeCalls.fail++;
    throw new Error('the handler always fails');
  }

  /** Fails at once and for good: its dead letter is what a test looks at. */
  @JobHandler('test.dead', { retryLimit: 0 })
  async dead(): Promise<void> {
    throw new Error('the handler dies at once');
  }

  /** A dead-letter handler whose work cannot be done yet (its database away, say). */
  @JobHandler('test.dead.dlq', {
    retryLimit: 2,
    retryDelay: 30,
    retryBackoff: false,
    expireInSeconds: 120,
  })
  async deadLetter(payload: { hangMs?: number }): Promise<void> {
    // A database that does not answer, for a while.
    if (payload.hangMs) await new Promise((resolve) => setTimeout(resolve, payload.hangMs));
    throw new Error('the dead letter cannot be handled yet');
  }

  /** Fails with a message PostgreSQL cannot store as it is: a NUL and a lone surrogate. */
  @JobHandler('test.fail-text', { retryLimit: 0 })
  async failText(): Promise<void> {
    throw new Error('bad \u0000bytes \ud800here');
  }

  @JobHandler('test.slow', { retryLimit: 1, retryDelay: 0, concurrency: 1 })
  async slow(payload: { key: string; ms: number }): Promise<void> {
    probeCalls.slowStarted.push(payload.key);
    let release = () => {};
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, payload.ms);
        release = () => {
          clearTimeout(timer);
          resolve();
        };
        slowWaits.set(payload.key, release);
      });
      if (slowWaits.get(payload.key) === release) slowWaits.delete(payload.key);
      await this.tx.run((m) =>
        m.query('INSERT INTO job_effects (key) VALUES ($1) ON CONFLICT DO NOTHING', [payload.key]),
      );
    } finally {
      probeCalls.slowFinished.push(payload.key);
    }
  }

  /** Each attempt waits and then fails or succeeds as its payload plans it. */
  @JobHandler('test.plan', { retryLimit: 3, retryDelay: 1, retryBackoff: false })
  async plan(
    payload: { key: string; attempts: { ms: number; fail: boolean }[] },
    job: JobContext,
  ): Promise<void> {
    const step = payload.attempts[Math.min(job.retryCount, payload.attempts.length - 1)]!;
    await new Promise((resolve) => setTimeout(resolve, step.ms));
    probeCalls.plan.push(`${payload.key}:${job.retryCount}:${step.fail ? 'failed' : 'done'}`);
    if (step.fail) throw new Error(`planned failure of ${payload.key}`);
  }

  /** The same, retried at once and expired after 2 s: a retry can start while its batch is open. */
  @JobHandler('test.plan-now', {
    retryLimit: 3,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: 2,
  })
  async planNow(
    payload: { key: string; attempts: { ms: number; fail: boolean }[] },
    job: JobContext,
  ): Promise<void> {
    await this.plan(payload, job);
  }

  /** Same effect as test/support/blocking-worker.js, guarded by the same key. */
  @JobHandler('test.kill', {
    retryLimit: 3,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: 2,
  })
  async kill(payload: { orderId: string }, job: JobContext): Promise<void> {
    const applied = await this.tx.run((m) =>
      this.idempotency.once(
        m,
        `test.kill:${payload.orderId}`,
        async () => {
          await m.query('INSERT INTO kill_effects (order_id) VALUES ($1)', [payload.orderId]);
        },
        job.id,
      ),
    );
    probeCalls.kill.push({ jobId: job.id, retryCount: job.retryCount, applied });
  }
}

@Module({ providers: [ProbeHandlers] })
export class ProbeModule {}

export async function createProbeTables(ds: DataSource): Promise<void> {
  await ds.query('CREATE TABLE IF NOT EXISTS job_effects (key text PRIMARY KEY)');
  // No unique constraint on purpose: only the idempotency record prevents a double effect.
  await ds.query('CREATE TABLE IF NOT EXISTS kill_effects (order_id text NOT NULL)');
}

/** Polls `check` until it returns a value other than undefined. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface JobsContext {
  get<T>(token: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/**
 * The app's modules without HTTP (as the worker entry builds them) on an
 * existing database: used where two processes share one database.
 */
export async function startJobsContext(
  databaseUrl: string,
  options: Partial<JobsOptions> = {},
): Promise<JobsContext> {
  const config = AppConfig.fromEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.register(config), ProbeModule],
  })
    .overrideProvider(JobsOptions)
    .useValue(fastJobsOptions(options))
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.get(MigrationRunner).run();
  await moduleRef.init();
  return {
    get: (token) => moduleRef.get(token as never),
    close: () => moduleRef.close(),
  };
}

/** Job `id`'s row in pg-boss: its state and how often it was retried. */
export async function jobRow(
  client: pg.Client,
  id: string,
): Promise<{ state: string; retry_count: number } | undefined> {
  const { rows } = await client.query<{ state: string; retry_count: number }>(
    'SELECT state::text AS state, retry_count FROM pgboss.job WHERE id = $1',
    [id],
  );
  return rows[0];
}
