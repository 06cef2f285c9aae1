import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { JobIdempotency } from '../src/jobs/job-idempotency.js';
import type { JobName } from '../src/jobs/job-payloads.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { JobRegistry } from '../src/jobs/job-registry.js';
import { JobsOptions } from '../src/jobs/jobs.options.js';
import { jobsPool } from '../src/jobs/jobs-pool.js';
import { formatJobsStatus } from '../src/jobs/jobs-status.format.js';
import { JobsStatusService } from '../src/jobs/jobs-status.service.js';
import { PgBossRuntime } from '../src/jobs/pg-boss-runtime.js';
import { preparingDb } from '../src/jobs/preparing-db.js';
import { UNFINISHED_JOBS_INDEX } from '../src/jobs/unfinished-jobs-index.js';
import {
  createProbeTables,
  fastJobsOptions,
  probeCalls,
  ProbeModule,
  waitFor,
} from './support/jobs-probe.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

class UseCaseFailed extends Error {}

describe('jobs', () => {
  let t: TestApp;
  let db: TestDatabase;
  let ds: DataSource;
  let queue: JobQueue;
  let tx: TransactionRunner;

  const jobsOf = (
    name: string,
  ): Promise<{ id: string; state: string; retry_count: number; data: unknown }[]> =>
    ds.query('SELECT id, state::text AS state, retry_count, data FROM pgboss.job WHERE name = $1', [
      name,
    ]);
  const effect = async (key: string) =>
    ((await ds.query('SELECT 1 FROM job_effects WHERE key = $1', [key])) as unknown[]).length === 1
      ? true
      : undefined;

  beforeAll(async () => {
    // An empty database, not a copy of the run's template (which has the
    // job queues already): what a first start makes is tested here.
    db = await createTestDatabase();
    t = await startTestApp({
      database: db,
      imports: [ProbeModule],
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
    ds = t.get(DataSource);
    queue = t.get(JobQueue);
    tx = t.get(TransactionRunner);
    await createProbeTables(ds);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  test('pg-boss installs its schema in a fresh database at start', async () => {
    const rows: { version: number }[] = await ds.query('SELECT version FROM pgboss.version');
    expect(rows[0]?.version).toBeGreaterThan(0);
    const queues: { name: string; dead_letter: string | null }[] = await ds.query(
      "SELECT name, dead_letter FROM pgboss.queue WHERE name IN ('mail.send', 'test.fail')",
    );
    expect(queues).toEqual(
      expect.arrayContaining([
        { name: 'mail.send', dead_letter: 'mail.send.dlq' },
        { name: 'test.fail', dead_letter: 'test.fail.dlq' },
      ]),
    );
  });

  test('a process that works jobs builds the index the queue depths are counted through', async () => {
    await t.get(PgBossRuntime).indexBuilt();
    const [row] = (await ds.query(
      `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass('pgboss.${UNFINISHED_JOBS_INDEX}')`,
    )) as { valid: boolean }[];
    expect(row?.valid).toBe(true);
  });

  test('a job enqueued in a transaction that rolls back never exists', async () => {
    await expect(
      tx.run(async (m) => {
        await m.query("INSERT INTO job_effects (key) VALUES ('rolled-back-row')");
        const id = await queue.enqueue('test.record', { key: 'rolled-back' }, { manager: m });
        expect(id).toEqual(expect.any(String));
        // Written on the transaction's connection: visible inside it...
        const inside: unknown[] = await m.query('SELECT 1 FROM pgboss.job WHERE id = $1', [id]);
        expect(inside).toHaveLength(1);
        // ...and to nobody else before the commit.
        expect(await ds.query('SELECT 1 FROM pgboss.job WHERE id = $1', [id])).toHaveLength(0);
        throw new UseCaseFailed('the use case fails after enqueueing');
      }),
    ).rejects.toBeInstanceOf(UseCaseFailed);
    expect(
      (await jobsOf('test.record')).filter((j) => JSON.stringify(j.data).includes('rolled-back')),
    ).toEqual([]);
    expect(await ds.query("SELECT 1 FROM job_effects WHERE key LIKE 'rolled-back%'")).toHaveLength(
      0,
    );
  });

  test('a job enqueued in a committed transaction runs in the inline worker', async () => {
    const id = await tx.run(async (m) => {
      await m.query("INSERT INTO job_effects (key) VALUES ('committed-row')");
      return queue.enqueue('test.record', { key: 'committed' }, { manager: m });
    });
    await waitFor(() => effect('committed'), 'the handler effect');
    expect(probeCalls.record).toContain('committed');
    const job = await waitFor(
      async () => (await jobsOf('test.record')).find((j) => j.id === id && j.state === 'completed'),
      'the job to complete',
    );
    expect(job.retry_count).toBe(0);
  });

  test('a job enqueued without a transaction runs too, not before startAfter', async () => {
    const later = await queue.enqueue('test.record', { key: 'later' }, { startAfter: 3600 });
    await queue.enqueue('test.record', { key: 'now' });
    await waitFor(() => effect('now'), 'the immediate job');
    expect(await effect('later')).toBeUndefined();
    expect((await jobsOf('test.record')).find((j) => j.id === later)?.state).toBe('created');
  });

  test('dedupeKey enqueues once per key', async () => {
    const first = await queue.enqueue('test.record', { key: 'dedupe-1' }, { dedupeKey: 'order-1' });
    const second = await queue.enqueue(
      'test.record',
      { key: 'dedupe-2' },
      { dedupeKey: 'order-1' },
    );
    const other = await queue.enqueue('test.record', { key: 'dedupe-3' }, { dedupeKey: 'order-2' });
    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
    expect(other).not.toBe(first);
    await waitFor(() => effect('dedupe-3'), 'the other key');
    await waitFor(() => effect('dedupe-1'), 'the first key');
    expect(await effect('dedupe-2')).toBeUndefined();
  });

  test("statement(): the job commits with the caller's own statement, runs, and dedupes", async () => {
    const insert = await queue.statement(
      'test.record',
      { key: 'in-statement' },
      { dedupeKey: 'statement-1' },
    );
    // The caller's statement: the job's insert beside a write of its own,
    // its own parameters numbered after the job's.
    const own = insert.values.length + 1;
    const write = (key: string) =>
      ds.query(
        `WITH job AS (${insert.text}),
              effect AS (INSERT INTO job_effects (key) VALUES ($${own}) RETURNING key)
         SELECT (SELECT id FROM job) AS job_id, (SELECT key FROM effect) AS effect`,
        [...insert.values, key],
      ) as Promise<{ job_id: string | null; effect: string }[]>;

    const [first] = await write('statement-row-1');
    expect(first).toEqual({ job_id: expect.any(String), effect: 'statement-row-1' });
    insert.committed(first!.job_id);
    await waitFor(() => effect('in-statement'), 'the handler effect');

    // The same dedupe key again: the caller's write happens, no second job.
    const [second] = await write('statement-row-2');
    expect(second).toEqual({ job_id: null, effect: 'statement-row-2' });
    expect(() => insert.committed(null)).not.toThrow();
    expect(
      (await jobsOf('test.record')).filter((j) => JSON.stringify(j.data).includes('in-statement')),
    ).toHaveLength(1);
  });

  test('statement(): a job without a dedupe key that was not written fails loudly', async () => {
    const insert = await queue.statement('test.nobody' as JobName, {} as never);
    const [row] = (await ds.query(
      `WITH job AS (${insert.text}) SELECT (SELECT id FROM job) AS id`,
      [...insert.values],
    )) as { id: string | null }[];
    expect(row).toEqual({ id: null });
    expect(() => insert.committed(row!.id)).toThrow(/does not exist/);
  });

  test('enqueueing to a queue without a handler fails loudly instead of losing the job', async () => {
    await expect(queue.enqueue('test.nobody' as JobName, {} as never)).rejects.toThrow(
      /does not exist/,
    );
  });

  test('a failing handler is retried with its delay, then lands in the dead-letter queue', async () => {
    const id = await queue.enqueue('test.fail', { n: 42 });
    const job = await waitFor(
      async () => (await jobsOf('test.fail')).find((j) => j.id === id && j.state === 'failed'),
      'the job to fail for good',
    );
    expect(job.retry_count).toBe(2);
    expect(probeCalls.fail).toBe(3);
    const dead = await waitFor(
      async () => (await jobsOf('test.fail.dlq')).find((j) => (j.data as { n?: number }).n === 42),
      'the dead letter',
    );
    expect(dead.state).toBe('created');

    const status = await t.get(JobsStatusService).status();
    const failQueue = status.queues.find((q) => q.name === 'test.fail');
    expect(failQueue).toMatchObject({ failed: 1, deadLetter: 1, active: 0 });
    // Dead-letter queues are reported with their queue, not as queues of their own.
    expect(status.queues.find((q) => q.name === 'test.fail.dlq')).toBeUndefined();
    expect(status.totals.deadLetter).toBeGreaterThanOrEqual(1);
  });

  test("a dead-letter handler that fails is retried with its queue's settings, not the dead job's", async () => {
    await queue.enqueue('test.dead', { n: 7 });
    // pg-boss writes the dead letter with the dead job's retry limit (0)
    // and no retry delay: the handler's failure would fail it for good.
    const [letter] = await waitFor(async () => {
      const rows: {
        state: string;
        retry_limit: number;
        retry_delay: number;
        retry_backoff: boolean;
        expire_seconds: number;
        dead_letter: string | null;
        wait_seconds: number;
      }[] = await ds.query(
        `SELECT state::text AS state, retry_limit, retry_delay, retry_backoff,
                extract(epoch FROM expire_in)::int AS expire_seconds, dead_letter,
                extract(epoch FROM start_after - now())::int AS wait_seconds
           FROM pgboss.job WHERE name = 'test.dead.dlq' AND data->>'n' = '7'`,
      );
      // Its retry is released, once the batch's end is recorded, for when it is due.
      return rows[0]?.state === 'retry' && rows[0].wait_seconds <= 30 ? rows : undefined;
    }, 'the dead letter to fail once and wait for its retry');
    expect(letter).toMatchObject({
      retry_limit: 2,
      retry_delay: 30,
      retry_backoff: false,
      expire_seconds: 120,
      dead_letter: 'test.dead.dlq.dlq',
    });
    expect(letter!.wait_seconds).toBeGreaterThan(20);
  });

  test("a dead letter runs with its queue's settings, so expiry or a shutdown fails it as declared too", async () => {
    // Long enough for a slow machine's polling to see it running.
    await queue.enqueue('test.dead', { n: 8, hangMs: 5_000 });
    // Read while its handler still runs: nothing has failed it yet.
    const running = await waitFor(async () => {
      const rows: Record<string, unknown>[] = await ds.query(
        `SELECT retry_limit, retry_delay, retry_backoff, dead_letter,
                extract(epoch FROM expire_in)::int AS expire_seconds
           FROM pgboss.job WHERE name = 'test.dead.dlq' AND data->>'n' = '8' AND state = 'active'
            AND retry_limit = 2`,
      );
      return rows[0];
    }, 'the dead letter to run with its settings');
    expect(running).toEqual({
      retry_limit: 2,
      retry_delay: 30,
      retry_backoff: false,
      dead_letter: 'test.dead.dlq.dlq',
      expire_seconds: 120,
    });
  });

  test('a failure whose message jsonb cannot hold as it is is recorded at once, not left active', async () => {
    const id = await queue.enqueue('test.fail-text', {});
    const job = await waitFor(
      async () => (await jobsOf('test.fail-text')).find((j) => j.id === id && j.state === 'failed'),
      'the failure to be recorded',
      10_000,
    );
    const [row] = (await ds.query('SELECT output FROM pgboss.job WHERE id = $1', [job.id])) as {
      output: { message: string };
    }[];
    expect(row?.output.message).toBe('bad bytes \ufffdhere');
  });

  test('jobs:status prints one line per queue with its dead letters, and a total', async () => {
    const lines = formatJobsStatus(await t.get(JobsStatusService).status())
      .trimEnd()
      .split('\n');
    expect(lines[0]).toMatch(
      /^queue\s+created\s+retry\s+active\s+completed\s+failed\s+dead-letter$/,
    );
    expect(lines.find((l) => l.startsWith('test.fail '))).toMatch(/\s1\s+1$/);
    expect(lines.find((l) => l.startsWith('mail.send '))).toBeDefined();
    expect(lines.at(-1)).toMatch(/^total\s/);
  });

  test('JobIdempotency.once applies an effect once per key, even when run twice', async () => {
    const idempotency = t.get(JobIdempotency);
    const run = () =>
      tx.run((m) =>
        idempotency.once(m, 'order-confirmation:7', async () => {
          await m.query("INSERT INTO job_effects (key) VALUES ('once-7')");
        }),
      );
    expect(await run()).toBe(true);
    expect(await run()).toBe(false);
    expect(await ds.query("SELECT 1 FROM job_effects WHERE key = 'once-7'")).toHaveLength(1);

    // A rolled-back effect leaves no record, so the retry applies it.
    await expect(
      tx.run((m) =>
        idempotency.once(m, 'order-confirmation:8', async () => {
          throw new UseCaseFailed('effect failed');
        }),
      ),
    ).rejects.toBeInstanceOf(UseCaseFailed);
    expect(
      await tx.run((m) => idempotency.once(m, 'order-confirmation:8', async () => undefined)),
    ).toBe(true);
  });

  test('the prune schedule is published and prunes old idempotency records', async () => {
    const schedules: { name: string; cron: string }[] = await ds.query(
      "SELECT name, cron FROM pgboss.schedule WHERE name = 'jobs.prune-processed'",
    );
    expect(schedules).toEqual([{ name: 'jobs.prune-processed', cron: '17 3 * * *' }]);
    await ds.query(
      "INSERT INTO processed_jobs (key, processed_at) VALUES ('old', now() - interval '40 days'), ('fresh', now())",
    );
    expect(await t.get(JobIdempotency).prune()).toBe(1);
    const keys: { key: string }[] = await ds.query(
      "SELECT key FROM processed_jobs WHERE key IN ('old', 'fresh')",
    );
    expect(keys).toEqual([{ key: 'fresh' }]);
  });

  test('the jobs pool plans a statement on the queue-partitioned table once, not per call', async () => {
    const pool = jobsPool(t.db.url, 1);
    const db = preparingDb(pool);
    try {
      // The shape of pg-boss' fetch: one queue's partition, chosen by a parameter.
      const fetch = `SELECT id FROM pgboss.job WHERE name = $1 AND state < 'active'
                      ORDER BY priority DESC, created_on, id LIMIT $2`;
      for (let i = 0; i < 8; i++) await db.executeSql(fetch, ['mail.send', 16]);
      const { rows } = (await db.executeSql(
        'SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement = $1',
        [fetch],
      )) as { rows: { generic: number; custom: number }[] };
      // Prepared from its second run on: seven runs, one generic plan reused.
      expect(rows).toEqual([{ generic: 7, custom: 0 }]);
    } finally {
      await db.close();
    }
  });
});

describe('a process starting its worker loops', () => {
  test('opens a few job connections, not one per loop', async () => {
    const app = await startTestApp();
    const watcher = new pg.Client({ connectionString: app.db.url });
    await watcher.connect();
    try {
      const loops = app.get(JobRegistry).all().length;
      // Every loop fetches as it starts; pooled connections stay open for
      // three seconds after, so the start's peak is still there to count.
      const counts: number[] = [];
      const until = Date.now() + 1_500;
      while (Date.now() < until) {
        const { rows } = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'minishop-jobs'`,
        );
        counts.push(rows[0]!.n);
      }
      expect(loops).toBeGreaterThan(10);
      // Started together, as many connections as loops; one after another, a few.
      expect(Math.max(...counts)).toBeLessThanOrEqual(loops / 2);
    } finally {
      await watcher.end();
      await app.close();
    }
  });
});
