import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import {
  createProbeTables,
  type JobsContext,
  probeCalls,
  startJobsContext,
  waitFor,
} from './support/jobs-probe.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const BLOCKING_WORKER = fileURLToPath(new URL('./support/blocking-worker.js', import.meta.url));

describe('job worker', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const contexts: JobsContext[] = [];
  let child: ChildProcess | undefined;

  const start = async (options: Parameters<typeof startJobsContext>[1]) => {
    const ctx = await startJobsContext(db.url, options);
    contexts.push(ctx);
    return ctx;
  };
  const job = async (id: string) =>
    (
      await client.query<{ state: string; retry_count: number }>(
        'SELECT state::text AS state, retry_count FROM pgboss.job WHERE id = $1',
        [id],
      )
    ).rows[0];
  const effects = async (table: 'job_effects' | 'kill_effects', column: string, value: string) =>
    Number(
      (
        await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`,
          [value],
        )
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    while (contexts.length > 0) await contexts.pop()?.close();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  test('a worker killed mid-job: another worker takes the job after it expires, the effect happens once', async () => {
    // A process that only enqueues creates the schema and the queues.
    const producer = await start({ work: false });
    await createProbeTables({ query: (sql: string) => client.query(sql) } as never);
    const id = await producer.get(JobQueue).enqueue('test.kill', { orderId: 'order-1' });
    if (!id) throw new Error('no job id');

    child = spawn(process.execPath, [BLOCKING_WORKER, db.url, 'test.kill'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const taken = await new Promise<string>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /took (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child!.once('exit', (code) => reject(new Error(`blocking worker exited with ${code}`)));
    });
    expect(taken).toBe(id);
    const died = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await died;
    child = undefined;
    expect(await job(id)).toMatchObject({ state: 'active', retry_count: 0 });
    expect(await effects('kill_effects', 'order_id', 'order-1')).toBe(1);

    // A real worker: its maintenance fails the expired job, which is retried.
    await start({ work: true });
    const done = await waitFor(
      async () => ((await job(id))?.state === 'completed' ? await job(id) : undefined),
      'the job to be completed by the second worker',
    );
    expect(done?.retry_count).toBe(1);
    expect(probeCalls.kill).toEqual([{ jobId: id, retryCount: 1, applied: false }]);
    expect(await effects('kill_effects', 'order_id', 'order-1')).toBe(1);
  });

  test('a job committed in this process wakes its idle worker instead of waiting for the next poll', async () => {
    // With a one-minute poll, only the wake-up on commit can run the job within the wait below.
    const app = await start({ work: true, pollingIntervalSeconds: 60 });
    await createProbeTables({ query: (sql: string) => client.query(sql) } as never);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the workers' first (empty) fetch
    await app.get(TransactionRunner).run(async (m) => {
      await app.get(JobQueue).enqueue('test.record', { key: 'woken' }, { manager: m });
      // Nothing may run before the commit: the job is invisible to the worker.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(probeCalls.record).not.toContain('woken');
    });
    await waitFor(
      async () => ((await effects('job_effects', 'key', 'woken')) === 1 ? true : undefined),
      'the woken job',
      15_000,
    );
  });

  test('a schedule no handler declares any more is removed when a worker starts', async () => {
    await client.query(
      `INSERT INTO pgboss.schedule (name, cron, timezone, data, options)
       VALUES ('test.record', '* * * * *', 'UTC', '{}', '{}')`,
    );
    await start({ work: true });
    const names = (await client.query<{ name: string }>('SELECT name FROM pgboss.schedule')).rows;
    // Declared schedules stay (other features add theirs); the stale one is gone.
    expect(names.map((r) => r.name)).toContain('jobs.prune-processed');
    expect(names.map((r) => r.name)).not.toContain('test.record');
  });

  test('graceful stop: in-flight jobs finish before the process lets go', async () => {
    const worker = await start({ work: true, shutdownGraceMs: 10_000 });
    const id = await worker.get(JobQueue).enqueue('test.slow', { key: 'graceful', ms: 1_500 });
    if (!id) throw new Error('no job id');
    await waitFor(
      async () => (probeCalls.slowStarted.includes('graceful') ? true : undefined),
      'the job to start',
    );
    // Later jobs must not be fetched once stopping has begun.
    const queued = await worker.get(JobQueue).enqueue('test.slow', { key: 'after-stop', ms: 0 });
    await contexts.pop()!.close();
    expect(await job(id)).toMatchObject({ state: 'completed' });
    expect(await effects('job_effects', 'key', 'graceful')).toBe(1);
    expect((await job(queued!))?.state).toBe('created');
    expect(probeCalls.slowStarted).not.toContain('after-stop');
  });

  test('graceful stop: a job still running after the grace period is failed for a retry', async () => {
    const worker = await start({ work: true, shutdownGraceMs: 1_000 });
    const id = await worker.get(JobQueue).enqueue('test.slow', { key: 'too-slow', ms: 4_000 });
    if (!id) throw new Error('no job id');
    await waitFor(
      async () => (probeCalls.slowStarted.includes('too-slow') ? true : undefined),
      'the job to start',
    );
    await contexts.pop()!.close();
    expect(await job(id)).toMatchObject({ state: 'retry' });
    // The abandoned handler runs on (its effect fails: the pool is closed).
    // Let it end, and pg-boss notice its worker stopped (it checks every
    // second), so no timer of this file outlives it.
    await waitFor(
      async () => (probeCalls.slowFinished.includes('too-slow') ? true : undefined),
      'the abandoned handler to end',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  });
});
