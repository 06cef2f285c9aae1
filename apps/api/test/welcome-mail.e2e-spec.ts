import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { JobsOptions } from '../src/jobs/jobs.options.js';
import { Mailer, type MailMessage } from '../src/mail/mailer.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { waitForOutboxMail } from './support/outbox.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const API = '/api/v1';
const PASSWORD = 'correct horse battery staple';

class BrokenMailer extends Mailer {
  calls = 0;
  async send(_message: MailMessage): Promise<void> {
    this.calls++;
    throw new Error('mail server down');
  }
}

describe('welcome e-mail after POST /auth/register', () => {
  let t: TestApp | undefined;
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'minishop-welcome-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const register = (app: TestApp, email: string) =>
    app.http.post(`${API}/auth/register`).send({ email, password: PASSWORD, name: 'Ada' });
  const mailJobs = (app: TestApp, email: string) =>
    app
      .get(DataSource)
      .query(
        "SELECT id, state::text AS state, output FROM pgboss.job WHERE name = 'mail.send' AND data->>'to' = $1",
        [email],
      ) as Promise<{ id: string; state: string; output: unknown }[]>;

  test('201, and the worker writes the welcome mail to the outbox', async () => {
    t = await startTestApp({
      env: { DATA_DIR: dataDir },
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
    const res = await register(t, 'ada@example.test');
    expect(res.status).toBe(201);
    const [job] = await mailJobs(t, 'ada@example.test');
    expect(job).toBeDefined();
    const eml = await waitForOutboxMail(dataDir, job!.id, 'the welcome mail in the outbox');
    expect(eml).toContain('To: ada@example.test');
    expect(eml).toContain('Subject: Welcome to minishop');
    expect(eml).toContain('Hello Ada');
  });

  test('a failing mailer never fails registration: 201, the job waits for a retry', async () => {
    const mailer = new BrokenMailer();
    t = await startTestApp({
      override: (b) =>
        b
          .overrideProvider(JobsOptions)
          .useValue(fastJobsOptions())
          .overrideProvider(Mailer)
          .useValue(mailer),
    });
    const res = await register(t, 'bob@example.test');
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe('bob@example.test');
    const job = await waitFor(async () => {
      const rows = await mailJobs(t!, 'bob@example.test');
      return rows.find((r) => r.state === 'retry');
    }, 'the mail job to wait for a retry');
    expect(job).toMatchObject({ output: { message: 'mail server down' } });
    expect(mailer.calls).toBeGreaterThanOrEqual(1);
  });

  test('a refused registration (e-mail taken) enqueues no second mail', async () => {
    t = await startTestApp();
    expect((await register(t, 'cy@example.test')).status).toBe(201);
    expect((await register(t, 'CY@example.test')).status).toBe(409);
    expect(await mailJobs(t, 'cy@example.test')).toHaveLength(1);
  });
});
