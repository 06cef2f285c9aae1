import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';

import { JobQueue } from '../src/jobs/job-queue.js';
import {
  accepts,
  type ApiProcess,
  type Entry,
  reap,
  spawnApi,
  waitReady,
} from './support/api-process.js';
import { holdingSmtpServer } from './support/holding-smtp-server.js';
import { jobRow, type JobsContext, startJobsContext } from './support/jobs-probe.js';
import { eventually } from './support/processes.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * The built worker and API, working jobs, stopped by SIGTERM while a job is
 * in flight. (The job runtime's stop in-process: jobs-worker.e2e-spec.ts.)
 */
describe('job worker processes stopped by a signal', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const contexts: JobsContext[] = [];
  const spawned: ApiProcess[] = [];

  const start = async (options: Parameters<typeof startJobsContext>[1]) => {
    const ctx = await startJobsContext(db.url, options);
    contexts.push(ctx);
    return ctx;
  };
  const job = (id: string) => jobRow(client, id);

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterEach(async () => {
    while (spawned.length > 0) reap(spawned.pop());
    while (contexts.length > 0) await contexts.pop()?.close();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  type HoldingSmtp = Awaited<ReturnType<typeof holdingSmtpServer>>;

  /**
   * Spawns a built entry point that works jobs and waits until it is ready,
   * with a `mail.send` job in flight there, held by the SMTP server, and a
   * second one queued behind it; then sends SIGTERM.
   */
  const signalWithMailInFlight = async (
    entry: Entry,
    env: Record<string, string>,
    smtp: HoldingSmtp,
  ) => {
    const producer = await start({ work: false });
    // A mail an earlier case left queued would be taken first.
    await client.query(`DELETE FROM pgboss.job WHERE name = 'mail.send'`);
    const mail = (subject: string) => ({ to: 'ada@example.com', subject, text: subject });
    // Queued before the process starts, its first fetch takes the job: one
    // queued by another process once it runs waits for its next poll.
    const running = await producer.get(JobQueue).enqueue('mail.send', mail('in flight'));
    const proc = await spawnApi(entry, {
      DATABASE_URL: db.url,
      SMTP_URL: smtp.url,
      // The stop must end within its deadlines: niced on a saturated machine,
      // the worker gets a tenth of the CPU the test's other processes get.
      WORKER_NICE: '0',
      ...env,
    });
    spawned.push(proc);
    if (entry === 'main.js') await waitReady(proc);
    else expect(await eventually(() => proc.stdout().includes('Worker ready'), 1200)).toBe(true);
    await smtp.first;
    // Its queue's one worker loop is busy: only a loop that keeps going after
    // the signal could take this one.
    const waiting = await producer.get(JobQueue).enqueue('mail.send', mail('waiting'));
    const heartbeat = env.WORKER_HEARTBEAT_FILE;
    const beating = heartbeat ? await eventually(() => existsSync(heartbeat)) : undefined;
    proc.child.kill('SIGTERM');
    return { proc, running: running!, waiting: waiting!, beating };
  };

  /**
   * Runs `check` on an entry point signalled with a mail in flight (see
   * above), with a holding SMTP server that is released and closed whatever
   * `check` does.
   */
  const afterSignalWithMailInFlight = async <T>(
    entry: Entry,
    env: Record<string, string>,
    check: (
      stopping: Awaited<ReturnType<typeof signalWithMailInFlight>> & { smtp: HoldingSmtp },
    ) => Promise<T>,
  ): Promise<T> => {
    const smtp = await holdingSmtpServer();
    try {
      return await check({ ...(await signalWithMailInFlight(entry, env, smtp)), smtp });
    } finally {
      smtp.release();
      await smtp.close();
    }
  };

  test('npm run worker, SIGTERM while a job runs → it finishes, no other job is taken, exit 0; its heartbeat file goes with it', async () => {
    const heartbeat = join(tmpdir(), `minishop-worker-${process.pid}-${Date.now()}.alive`);
    await afterSignalWithMailInFlight(
      'worker.js',
      { WORKER_HEARTBEAT_FILE: heartbeat },
      async ({ proc: worker, running, waiting, smtp, beating }) => {
        expect(beating).toBe(true);
        // The job is released once stopping has begun, so it is in flight throughout.
        const stopping = await eventually(() =>
          worker.output().includes('SIGTERM: finishing in-flight jobs'),
        );
        expect(worker.child.exitCode).toBeNull();
        smtp.release();

        expect(await worker.exited).toBe(0);
        expect(stopping).toBe(true);
        expect(worker.output()).toContain('"msg":"stopped"');
        expect(existsSync(heartbeat)).toBe(false);
        expect(await job(running)).toMatchObject({ state: 'completed', retry_count: 0 });
        expect((await job(waiting))?.state).toBe('created');
        expect(smtp.subjects).toEqual(['in flight']);
      },
    );
  }, 120_000);

  test('npm run worker, SIGTERM while a job outlasts WORKER_SHUTDOWN_GRACE_MS → failed for a retry, exit 1', async () => {
    // The SMTP server answers only once the worker has exited.
    await afterSignalWithMailInFlight(
      'worker.js',
      { WORKER_SHUTDOWN_GRACE_MS: '1000' },
      async ({ proc: worker, running, waiting }) => {
        expect(await worker.closed).toBe(1);
        expect(worker.output()).toContain('1 job(s) of unfinished batches failed for a retry');
        // Stopped in order all the same: the exit code alone says it was forced.
        expect(worker.output()).toContain('"msg":"stopped"');
        expect((await job(running))?.state).toBe('retry');
        expect((await job(waiting))?.state).toBe('created');
      },
    );
  }, 120_000);

  /**
   * SIGTERM to an API working a held mail job inline: the job is failed for
   * a retry, the API still stops in order, and exits 1. Returns its output.
   */
  const inlineJobCutAtStop = (env: Record<string, string>): Promise<string> =>
    afterSignalWithMailInFlight(
      'main.js',
      { RUN_WORKER: 'inline', ...env },
      async ({ proc: api, running }) => {
        expect(await api.closed).toBe(1);
        expect(api.output()).toContain('1 job(s) of unfinished batches failed for a retry');
        expect(api.output()).toContain('"msg":"stopped"');
        expect((await job(running))?.state).toBe('retry');
        return api.output();
      },
    );

  test("npm start, jobs inline, SIGTERM while a job outlasts SHUTDOWN_GRACE_MS → failed for a retry within the API's grace, exit 1", async () => {
    // A job grace far beyond the API's: the job must still be failed, and
    // the API stop in order, before the API gives up on its own stop. (Its
    // exit 1 comes from the API's grace running out too: pg-boss waits at
    // least 1 s. The next case has a failed job alone make it.)
    await inlineJobCutAtStop({ SHUTDOWN_GRACE_MS: '1000', WORKER_SHUTDOWN_GRACE_MS: '600000' });
  }, 120_000);

  test('npm start, jobs inline, SIGTERM while a job runs → no new connection is taken while it finishes, exit 0', async () => {
    await afterSignalWithMailInFlight(
      'main.js',
      { RUN_WORKER: 'inline', SHUTDOWN_GRACE_MS: '60000', WORKER_SHUTDOWN_GRACE_MS: '60000' },
      async ({ proc: api, running, smtp }) => {
        // The job is held throughout: the HTTP server stops accepting while it
        // runs, not once it is done.
        expect(await eventually(async () => !(await accepts(api.port)), 400)).toBe(true);
        expect(api.child.exitCode).toBeNull();
        smtp.release();

        expect(await api.closed).toBe(0);
        expect(api.output()).toContain('"msg":"stopped"');
        expect(await job(running)).toMatchObject({ state: 'completed', retry_count: 0 });
      },
    );
  }, 120_000);

  test('npm start, jobs inline, SIGTERM while a job outlasts a job grace shorter than the API’s → exit 1 for the job alone', async () => {
    // The job is failed after 1 s and the API then stops well inside its own
    // grace, with no request cut: only the failed job can make the exit 1.
    const output = await inlineJobCutAtStop({
      SHUTDOWN_GRACE_MS: '60000',
      WORKER_SHUTDOWN_GRACE_MS: '1000',
    });
    expect(output).not.toContain('grace period over: closing remaining connections');
  }, 120_000);
});
