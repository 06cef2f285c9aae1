import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Logger } from '@nestjs/common';
import pg from 'pg';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { PgBossRuntime } from '../src/jobs/pg-boss-runtime.js';
import { QueueStatistics } from '../src/jobs/queue-statistics.js';
import {
  createProbeTables,
  jobRow,
  type JobsContext,
  probeCalls,
  releaseSlow,
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
  const job = (id: string) => jobRow(client, id);
  /**
   * The job's row once it is completed. Past the wait, the error says where
   * the job was and which attempts ran, so that a timeout shows its cause.
   */
  const completed = async (id: string, what: string, timeoutMs?: number) => {
    let last: Awaited<ReturnType<typeof job>>;
    try {
      return await waitFor(
        async () => {
          last = await job(id);
          return last?.state === 'completed' ? last : undefined;
        },
        what,
        timeoutMs,
      );
    } catch (error) {
      throw new Error(
        `${String(error)}; the job was ${JSON.stringify(last)}, attempts: ${probeCalls.plan.join(' ')}`,
        { cause: error },
      );
    }
  };
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
  /**
   * When pg-boss will have noticed the last abandoned worker loop stopped
   * (it checks every second): no timer of this file may outlive that.
   */
  let quietAt = 0;
  /** Lets a slow job abandoned at a stop end now, and waits until it has. */
  const endAbandoned = async (key: string) => {
    releaseSlow(key);
    await waitFor(
      async () => (probeCalls.slowFinished.includes(key) ? true : undefined),
      'the abandoned handler to end',
    );
    quietAt = Date.now() + 1_500;
  };

  afterEach(async () => {
    releaseSlow();
    child?.kill('SIGKILL');
    child = undefined;
    while (contexts.length > 0) await contexts.pop()?.close();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, quietAt - Date.now())));
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
    const done = await completed(id, 'the job to be completed by the second worker');
    // Once, unless a slow machine let the retry outlast the 2 s expiry too:
    // each later attempt finds the effect already applied.
    expect(done?.retry_count).toBeGreaterThanOrEqual(1);
    expect(probeCalls.kill.length).toBeGreaterThanOrEqual(1);
    for (const call of probeCalls.kill) {
      expect(call).toEqual({ jobId: id, retryCount: expect.any(Number), applied: false });
    }
    const attempts = probeCalls.kill.map((c) => c.retryCount).sort((a, b) => a - b);
    expect(attempts[0]).toBe(1);
    expect(attempts.at(-1)).toBe(done?.retry_count);
    expect(await effects('kill_effects', 'order_id', 'order-1')).toBe(1);
  });

  test('a job committed in this process wakes its idle worker instead of waiting for the next poll', async () => {
    // With a one-minute poll, only the wake-up on commit can run the job within the wait below.
    const app = await start({ work: true, pollingIntervalSeconds: 60 });
    await createProbeTables({ query: (sql: string) => client.query(sql) } as never);
    // Every loop started (they start one after another), then their first (empty) fetch.
    await app.get(PgBossRuntime).loopsStarted();
    await new Promise((resolve) => setTimeout(resolve, 500));
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

  test("a queue's first backlog gives its job table statistics, so plans are made for its size", async () => {
    const producer = await start({ work: false });
    await producer.get(TransactionRunner).run(async (m) => {
      for (let n = 0; n < 40; n++)
        await producer.get(JobQueue).enqueue('test.bulk', { n }, { manager: m });
    });
    const table = async () =>
      (
        await client.query<{ reltuples: number; analyzed: boolean }>(
          `SELECT c.reltuples, s.last_analyze IS NOT NULL AS analyzed
             FROM pgboss.queue q
             JOIN pg_class c ON c.oid = to_regclass('pgboss.' || quote_ident(q.partition_name))
             JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE q.name = 'test.bulk'`,
        )
      ).rows[0];
    expect((await table())?.reltuples).toBeLessThan(0); // never analyzed yet

    await start({ work: true });

    // The first full batch of 4 shows the backlog; an ANALYZE (not autovacuum's) follows.
    const stats = await waitFor(
      async () => {
        const row = await table();
        return row && row.reltuples >= 0 && row.analyzed ? row : undefined;
      },
      'the job table of test.bulk to be analyzed',
      15_000,
    );
    expect(stats.reltuples).toBeGreaterThan(0);
    // Once is enough: a table with statistics is left to autovacuum.
    const statistics = new QueueStatistics(
      client as unknown as pg.Pool,
      'pgboss',
      new Logger('test'),
    );
    expect(await statistics.analyzeIfNeverAnalyzed('test.bulk')).toBe(false);
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
    expect(worker.get(PgBossRuntime).jobsFailedAtShutdown).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'completed' });
    expect(await effects('job_effects', 'key', 'graceful')).toBe(1);
    expect((await job(queued!))?.state).toBe('created');
    expect(probeCalls.slowStarted).not.toContain('after-stop');
  });

  test('graceful stop: a job still running after the grace period is failed for a retry', async () => {
    const worker = await start({ work: true, shutdownGraceMs: 1_000 });
    // Held far past the grace period, until the test lets it end.
    const id = await worker.get(JobQueue).enqueue('test.slow', { key: 'too-slow', ms: 60_000 });
    if (!id) throw new Error('no job id');
    await waitFor(
      async () => (probeCalls.slowStarted.includes('too-slow') ? true : undefined),
      'the job to start',
    );
    await contexts.pop()!.close();
    expect(await job(id)).toMatchObject({ state: 'retry' });
    // With any job of its batch (one the test before left queued).
    expect(worker.get(PgBossRuntime).jobsFailedAtShutdown).toBeGreaterThan(0);
    // The abandoned handler runs on (its effect fails: the pool is closed).
    await endAbandoned('too-slow');
  });

  test('graceful stop: a job that finished beside one outlasting the grace is not run again', async () => {
    const producer = await start({ work: false });
    await createProbeTables({ query: (sql: string) => client.query(sql) } as never);
    // Jobs the cases above left behind would share the batch.
    await client.query(`DELETE FROM pgboss.job WHERE name = 'test.slow'`);
    const queue = producer.get(JobQueue);
    const quick = await queue.enqueue('test.slow', { key: 'batch-quick', ms: 0 });
    const slow = await queue.enqueue('test.slow', { key: 'batch-slow', ms: 60_000 });
    // Both queued before the worker's first fetch: one batch.
    const worker = await start({ work: true, shutdownGraceMs: 1_000 });
    await waitFor(
      async () =>
        probeCalls.slowFinished.includes('batch-quick') &&
        probeCalls.slowStarted.includes('batch-slow')
          ? true
          : undefined,
      'the quick job to finish while the slow one runs',
    );
    await contexts.pop()!.close();
    expect(await effects('job_effects', 'key', 'batch-quick')).toBe(1);
    expect(await job(quick!)).toMatchObject({ state: 'completed', retry_count: 0 });
    expect(await job(slow!)).toMatchObject({ state: 'retry' });
    expect(worker.get(PgBossRuntime).jobsFailedAtShutdown).toBe(1);
    await endAbandoned('batch-slow');
  });

  test('graceful stop: a batch a fetch brings in after the stop began is put back, not run', async () => {
    await createProbeTables({ query: (sql: string) => client.query(sql) } as never);
    // Jobs the cases above left waiting (a slow one's retry) would be running at the stop.
    await client.query(`DELETE FROM pgboss.job WHERE state < 'completed'`);
    // The grace bounds how long the stop waits for the fetch to give its
    // batch back: room for a slow machine (the stop ends once it has).
    const worker = await start({ work: true, shutdownGraceMs: 10_000 });
    await worker.get(PgBossRuntime).loopsStarted();
    const { rows: partitions } = await client.query<{ name: string }>(
      `SELECT format('pgboss.%I', partition_name) AS name FROM pgboss.queue WHERE name = 'test.record'`,
    );
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    let id: string;
    try {
      // A job the worker's next fetch will find, once the lock that holds
      // that fetch back is gone.
      await holder.query('BEGIN');
      const { rows } = await holder.query<{ id: string }>(
        `INSERT INTO pgboss.job (name, data) VALUES ('test.record', '{"key":"fetched-at-stop"}')
         RETURNING id`,
      );
      id = rows[0]!.id;
      await holder.query(`LOCK TABLE ${partitions[0]!.name} IN ACCESS EXCLUSIVE MODE`);
      await waitFor(async () => {
        const { rowCount } = await client.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%SKIP LOCKED%'`,
        );
        return rowCount ? true : undefined;
      }, 'a fetch to wait on the lock');
      // Every loop polls twice a second: the queue's own fetch waits too by now.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const stopping = contexts.pop()!.close();
      // pg-boss' stop is over at once: it has handed out no batch.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await holder.query('COMMIT');
      await stopping;
    } finally {
      await holder.end();
    }
    expect(probeCalls.record).not.toContain('fetched-at-stop');
    // As it was before the fetch: no attempt used, ready for the next worker.
    expect(await job(id)).toMatchObject({ state: 'created', retry_count: 0 });
    expect(worker.get(PgBossRuntime).jobsFailedAtShutdown).toBe(0);

    await start({ work: true });
    await completed(id, 'the next worker to run the job');
    expect(await effects('job_effects', 'key', 'fetched-at-stop')).toBe(1);
    expect(await job(id)).toMatchObject({ retry_count: 0 });
  });

  test('a job failed beside a slow one and retried by another worker is not completed by the first batch', async () => {
    const producer = await start({ work: false });
    const queue = producer.get(JobQueue);
    // Fails at once, then fails again slowly, then succeeds.
    const flaky = await queue.enqueue('test.plan', {
      key: 'flaky',
      attempts: [
        { ms: 0, fail: true },
        { ms: 3_000, fail: true },
        { ms: 0, fail: false },
      ],
    });
    // Holds the batch both are fetched in past the first one's retry delay.
    await queue.enqueue('test.plan', { key: 'mate', attempts: [{ ms: 2_500, fail: false }] });
    await start({ work: true });
    await waitFor(
      async () => (probeCalls.plan.includes('flaky:0:failed') ? true : undefined),
      'the first attempt to fail',
    );
    // A second worker, free to take the retry while the first batch runs on.
    await start({ work: true });
    const done = await completed(flaky!, 'the flaky job to complete', 30_000);
    // Completed by its third attempt, not by the batch its first one was in.
    expect(probeCalls.plan.filter((p) => p.startsWith('flaky:'))).toEqual([
      'flaky:0:failed',
      'flaky:1:failed',
      'flaky:2:done',
    ]);
    expect(done.retry_count).toBe(2);
  }, 60_000);

  test('a job failed with no retry delay cannot be fetched again before its batch is recorded ended', async () => {
    const producer = await start({ work: false });
    await client.query(`DELETE FROM pgboss.job WHERE name = 'test.plan-now'`);
    // Every version of the queue's rows, and every UPDATE statement on the
    // job table (pg-boss' batch completion among them, even when it changes
    // no row), with the time and transaction it was written in.
    await client.query(`
      CREATE TABLE IF NOT EXISTS job_log (
        at timestamptz NOT NULL, tx bigint NOT NULL, id uuid, state text, start_after timestamptz, query text);
      CREATE OR REPLACE FUNCTION log_job_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO job_log VALUES (clock_timestamp(), txid_current(), NEW.id, NEW.state::text, NEW.start_after, NULL);
          RETURN NULL;
        END $$;
      CREATE OR REPLACE FUNCTION log_job_statement() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO job_log (at, tx, query) VALUES (clock_timestamp(), txid_current(), current_query());
          RETURN NULL;
        END $$;
      CREATE OR REPLACE TRIGGER job_rows AFTER INSERT OR UPDATE ON pgboss.job
        FOR EACH ROW WHEN (NEW.name = 'test.plan-now') EXECUTE FUNCTION log_job_row();
      CREATE OR REPLACE TRIGGER job_statements AFTER UPDATE ON pgboss.job
        FOR EACH STATEMENT EXECUTE FUNCTION log_job_statement();
    `);
    try {
      const queue = producer.get(JobQueue);
      const flaky = await queue.enqueue('test.plan-now', {
        key: 'at-once',
        attempts: [
          { ms: 0, fail: true },
          { ms: 0, fail: false },
        ],
      });
      await start({ work: true });
      const done = await completed(flaky!, 'the job to complete on its retry');
      // Done on its retry; on a slow machine that retry may outlast the 2 s
      // expiry and run once more.
      expect(done.retry_count).toBeGreaterThanOrEqual(1);
      expect(probeCalls.plan.filter((p) => p.startsWith('at-once:'))).toEqual([
        'at-once:0:failed',
        ...Array.from({ length: done.retry_count }, (_, i) => `at-once:${i + 1}:done`),
      ]);
      // Times in microseconds since the epoch, as stored (exact in a number):
      // as Dates, in milliseconds, a retry released within the millisecond
      // of the batch's end would seem to come no later than it.
      const logged = await client.query<{
        at: string;
        tx: string;
        id: string | null;
        state: string | null;
        start_after: string | null;
        query: string | null;
      }>(
        `SELECT (extract(epoch FROM at) * 1000000)::bigint AS at, tx, id, state,
                (extract(epoch FROM start_after) * 1000000)::bigint AS start_after, query
           FROM job_log ORDER BY job_log.at`,
      );
      const rows = logged.rows.map((r) => ({
        ...r,
        at: Number(r.at),
        start_after: r.start_after === null ? null : Number(r.start_after),
      }));
      // What others could see of the job: the last version each transaction wrote.
      const committed = [
        ...new Map(rows.filter((r) => r.id === flaky).map((r) => [r.tx, r])).values(),
      ];
      const retries = committed.filter((r) => r.state === 'retry');
      expect(retries.length).toBeGreaterThan(0);
      // pg-boss' completion of the failed attempt's batch: the first after the failure.
      const batchEnd = rows.find(
        (r) =>
          r.at > retries[0]!.at &&
          r.query?.includes('WITH results AS') === true &&
          r.query.includes('completed_on = now()'),
      );
      expect(batchEnd).toBeDefined();
      // A retry fetchable before that completion could be marked done by it.
      for (const retry of retries) {
        expect(retry.start_after).toBeGreaterThan(batchEnd!.at);
      }
    } finally {
      // Workers first: dropping a trigger locks the job table and every
      // partition, and a worker's statement holding some of them deadlocks it.
      while (contexts.length > 0) await contexts.pop()?.close();
      await client.query(`
        DROP TRIGGER IF EXISTS job_rows ON pgboss.job;
        DROP TRIGGER IF EXISTS job_statements ON pgboss.job;
      `);
    }
  }, 30_000);

  /**
   * Ends the session of the first statement that changes a row of `test.plan`
   * matching `when` (`event` on pgboss.job), once: the connection drops in
   * the middle of it. `count()` tells how many such changes were tried.
   */
  const dropSessionOnce = async (
    fault: string,
    event: 'DELETE' | 'UPDATE',
    when: string,
    queue = 'test.plan',
  ) => {
    const row = event === 'DELETE' ? 'OLD' : 'NEW';
    // A sequence counts: it is not rolled back with the statement.
    await client.query(`
      CREATE SEQUENCE IF NOT EXISTS ${fault};
      CREATE OR REPLACE FUNCTION ${fault}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('${fault}') = 1 THEN
            PERFORM pg_terminate_backend(pg_backend_pid());
          END IF;
          RETURN NULL;
        END $$;
      CREATE OR REPLACE TRIGGER ${fault} AFTER ${event} ON pgboss.job
        FOR EACH ROW WHEN (${row}.name = '${queue}' AND ${when})
        EXECUTE FUNCTION ${fault}();
    `);
    return {
      count: async () =>
        Number(
          (
            await client.query<{ n: string }>(
              `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${fault}`,
            )
          ).rows[0]?.n,
        ),
      // Workers first (closed by the caller): see the test above.
      drop: () => client.query(`DROP TRIGGER IF EXISTS ${fault} ON pgboss.job`),
    };
  };
  const planned = (key: string) => probeCalls.plan.filter((p) => p.startsWith(`${key}:`));

  test('a failed job whose failure cannot be recorded is retried, not completed with its batch', async () => {
    const producer = await start({ work: false });
    // pg-boss' failure of the job deletes its row.
    const fault = await dropSessionOnce('lost_failure', 'DELETE', `OLD.data->>'key' = 'lost'`);
    try {
      const lost = await producer.get(JobQueue).enqueue('test.plan', {
        key: 'lost',
        attempts: [
          { ms: 0, fail: true },
          { ms: 0, fail: false },
        ],
      });
      await start({ work: true });
      const done = await completed(lost!, 'the job to complete');
      expect(await fault.count()).toBeGreaterThan(0);
      // Completed by its retry, not by the batch its failed attempt was in.
      expect(done.retry_count).toBe(1);
      expect(planned('lost')).toEqual(['lost:0:failed', 'lost:1:done']);
    } finally {
      while (contexts.length > 0) await contexts.pop()?.close();
      await fault.drop();
    }
  }, 30_000);

  test('a batch whose failure cannot be recorded does not run again a job that finished in it', async () => {
    const producer = await start({ work: false });
    const failure = await dropSessionOnce(
      'lost_batch_failure',
      'DELETE',
      `OLD.data->>'key' = 'failed-beside'`,
    );
    // The finished job's completion is lost too, before the failure.
    const completion = await dropSessionOnce(
      'lost_completion',
      'UPDATE',
      `NEW.data->>'key' = 'finished' AND NEW.state = 'completed'`,
    );
    try {
      const queue = producer.get(JobQueue);
      const failed = await queue.enqueue('test.plan', {
        key: 'failed-beside',
        attempts: [
          { ms: 0, fail: true },
          { ms: 0, fail: false },
        ],
      });
      const finished = await queue.enqueue('test.plan', {
        key: 'finished',
        attempts: [{ ms: 0, fail: false }],
      });
      // Both fetched in one batch.
      await start({ work: true });
      const retried = await completed(failed!, 'the failed job to complete');
      expect(await failure.count()).toBeGreaterThan(0);
      expect(await completion.count()).toBeGreaterThan(0);
      expect(retried.retry_count).toBe(1);
      // The retry ran after the batch's end, which decided the finished job's fate.
      expect(await job(finished!)).toMatchObject({ state: 'completed', retry_count: 0 });
      expect(planned('finished')).toEqual(['finished:0:done']);
    } finally {
      while (contexts.length > 0) await contexts.pop()?.close();
      await failure.drop();
      await completion.drop();
    }
  }, 30_000);

  test("a batch's end pg-boss cannot record leaves the worker running and the job to its expiry", async () => {
    const producer = await start({ work: false });
    // pg-boss' completion of a batch of one: the statement it does not await.
    const fault = await dropSessionOnce(
      'lost_batch_end',
      'UPDATE',
      `NEW.data->>'key' = 'end-lost' AND NEW.state = 'completed'`,
      'test.plan-now',
    );
    try {
      const queue = producer.get(JobQueue);
      const lost = await queue.enqueue('test.plan-now', {
        key: 'end-lost',
        attempts: [{ ms: 0, fail: false }],
      });
      await start({ work: true });
      const done = await completed(lost!, 'the job to complete');
      expect(await fault.count()).toBeGreaterThan(0);
      // Left active, it expired and ran again: at least once, never lost. On
      // a slow machine the rerun may outlast the expiry too and run once more.
      expect(done.retry_count).toBeGreaterThanOrEqual(1);
      expect(planned('end-lost')).toEqual(
        Array.from({ length: done.retry_count + 1 }, (_, i) => `end-lost:${i}:done`),
      );
      // The same worker goes on working.
      const next = await queue.enqueue('test.plan-now', {
        key: 'after-end-lost',
        attempts: [{ ms: 0, fail: false }],
      });
      await completed(next!, 'the next job to complete');
    } finally {
      while (contexts.length > 0) await contexts.pop()?.close();
      await fault.drop();
    }
  }, 30_000);

  test('a handler that ends after its batch expired does not record its result over the retry', async () => {
    const producer = await start({ work: false });
    await client.query(`DELETE FROM pgboss.job WHERE name = 'test.plan-now'`);
    const queue = producer.get(JobQueue);
    // Attempt 0 outlives the queue's 2 s expiry and succeeds late (at 3.8 s),
    // while attempt 1, taken about half a second after that expiry, runs on
    // (it outlives its own expiry too); attempt 2 succeeds at once.
    const late = await queue.enqueue('test.plan-now', {
      key: 'late',
      attempts: [
        { ms: 3_800, fail: false },
        { ms: 4_000, fail: false },
        { ms: 0, fail: false },
      ],
    });
    // A second job in the same batch: its jobs are completed one by one.
    await queue.enqueue('test.plan-now', { key: 'beside', attempts: [{ ms: 0, fail: false }] });
    // Expiry by the worker's own timer only: pg-boss' periodic expiry can fail
    // an attempt a moment before that timer, and the worker, free again, can
    // fetch the retry before the timer's failure of the batch lands on it.
    await start({ work: true, maintenanceIntervalSeconds: 60 });
    const done = await completed(late!, 'the late job to complete', 30_000);
    // Completed by its third attempt, not by the first one's late success
    // (or by a later one, should a slow machine let the third outlast the
    // expiry too: every attempt from the third on succeeds at once).
    expect(done.retry_count).toBeGreaterThanOrEqual(2);
    // Attempt 1 ends late as well, after the job was completed: nothing changes.
    await waitFor(
      async () => (probeCalls.plan.includes('late:1:done') ? true : undefined),
      'the second attempt to end',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await job(late!)).toMatchObject({ state: 'completed', retry_count: done.retry_count });
    expect(probeCalls.plan.filter((p) => p.startsWith('late:')).sort()).toEqual(
      Array.from({ length: done.retry_count + 1 }, (_, i) => `late:${i}:done`),
    );
  }, 60_000);

  test('a stop after a batch was given up for its expiry does not count its handler as failed at the stop', async () => {
    const producer = await start({ work: false });
    await client.query(`DELETE FROM pgboss.job WHERE name = 'test.plan-now'`);
    // Attempt 0 outlives the queue's 2 s expiry by far (long enough for a
    // slow machine's retry to end first); its retry ends at once.
    const id = await producer.get(JobQueue).enqueue('test.plan-now', {
      key: 'outlived',
      attempts: [
        { ms: 8_000, fail: false },
        { ms: 0, fail: false },
      ],
    });
    const worker = await start({ work: true, maintenanceIntervalSeconds: 60 });
    await completed(id!, 'the retry to complete the job');
    expect(probeCalls.plan).not.toContain('outlived:0:done');
    // The first attempt's handler still runs, unowned: the stop fails nothing.
    await contexts.pop()!.close();
    expect(worker.get(PgBossRuntime).jobsFailedAtShutdown).toBe(0);
    // Once, or more should a slow machine let a retry outlast the expiry too.
    const ended = await job(id!);
    expect(ended).toMatchObject({ state: 'completed' });
    expect(ended!.retry_count).toBeGreaterThanOrEqual(1);
    await waitFor(
      async () => (probeCalls.plan.includes('outlived:0:done') ? true : undefined),
      'the outlived attempt to end',
    );
    quietAt = Date.now() + 1_500;
  }, 60_000);
});
