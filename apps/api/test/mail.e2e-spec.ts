import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { JobsOptions } from '../src/jobs/jobs.options.js';
import { Mailer } from '../src/mail/mailer.js';
import { OutboxMailer } from '../src/mail/outbox-mailer.js';
import { MAIL_SEND_BATCH_SIZE } from '../src/mail/send-mail.handler.js';
import { pooledSmtpUrl, SmtpMailer } from '../src/mail/smtp-mailer.js';
import { holdingSmtpServer } from './support/holding-smtp-server.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { outboxDir, outboxFiles, waitForOutboxMail } from './support/outbox.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Received {
  from: string | undefined;
  to: string[];
  raw: string;
  user: string | undefined;
}

/** A real SMTP server on a free port, keeping what it receives. */
async function startSmtpServer(auth?: { user: string; pass: string }) {
  const received: Received[] = [];
  const connections = { opened: 0 };
  const server = new SMTPServer({
    onConnect(_session, callback) {
      connections.opened++;
      callback();
    },
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(session, _s, callback) {
      if (auth && session.username === auth.user && session.password === auth.pass) {
        callback(null, { user: session.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const message = {
  to: 'ada@example.com',
  subject: 'Your order 1042 is confirmed',
  text: 'Thank you for your order.',
  html: '<p>Thank you for your <b>order</b>.</p>',
};

describe('SmtpMailer against a real SMTP server', () => {
  test('delivers envelope, headers and both bodies, authenticating with the URL credentials', async () => {
    const smtp = await startSmtpServer({ user: 'shop', pass: 's3cret' });
    const mailer = new SmtpMailer(
      `smtp://shop:s3cret@127.0.0.1:${smtp.port}`,
      'minishop <no-reply@shop.test>',
    );
    try {
      await mailer.send(message, { messageId: '<job-1@minishop>' });
      expect(smtp.received).toHaveLength(1);
      const mail = smtp.received[0]!;
      expect(mail).toMatchObject({
        from: 'no-reply@shop.test',
        to: ['ada@example.com'],
        user: 'shop',
      });
      expect(mail.raw).toContain('Subject: Your order 1042 is confirmed');
      expect(mail.raw).toContain('Message-ID: <job-1@minishop>');
      expect(mail.raw).toContain('Thank you for your order.');
      expect(mail.raw).toContain('text/html');
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  test('messages share pooled connections instead of one connection each', async () => {
    const smtp = await startSmtpServer();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, 'shop@shop.test');
    try {
      for (let i = 0; i < 3; i++) await mailer.send({ ...message, subject: `Receipt ${i}` });
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => mailer.send({ ...message, subject: `Batch ${i}` })),
      );
      expect(smtp.received).toHaveLength(9);
      // One for the messages sent one after another; a few more (at most
      // the pool's five) for the ones sent at once.
      expect(smtp.connections.opened).toBeGreaterThanOrEqual(1);
      expect(smtp.connections.opened).toBeLessThanOrEqual(5);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  test('pooledSmtpUrl turns pooling on unless SMTP_URL decides', () => {
    expect(pooledSmtpUrl('smtps://shop:s3cret@mail.example:465')).toBe(
      'smtps://shop:s3cret@mail.example:465?pool=true&maxConnections=5&connectionTimeout=45000&socketTimeout=45000',
    );
    expect(
      pooledSmtpUrl(
        'smtp://mail.example:25/?pool=false&maxConnections=2&socketTimeout=5000&connectionTimeout=9',
      ),
    ).toBe(
      'smtp://mail.example:25/?pool=false&maxConnections=2&socketTimeout=5000&connectionTimeout=9',
    );
  });

  test("a mail job batch's mails all reach the server at once, none queued behind another", async () => {
    // A server that holds every reply to DATA: a mail that has to wait for
    // a connection would wait for as long as the others are held.
    const smtp = await holdingSmtpServer();
    const { subjects } = smtp;
    const mailer = new SmtpMailer(smtp.url, 'shop@shop.test');
    try {
      const sends = Promise.all(
        Array.from({ length: MAIL_SEND_BATCH_SIZE }, (_, i) =>
          mailer.send({ ...message, subject: `Batch ${i}` }),
        ),
      );
      // Those still queued fail when the pool closes, should the wait fail.
      sends.catch(() => undefined);
      await waitFor(
        async () => (subjects.length === MAIL_SEND_BATCH_SIZE ? true : undefined),
        `all ${MAIL_SEND_BATCH_SIZE} mails of a batch at the server`,
        10_000,
      );
      smtp.release();
      await sends;
    } finally {
      smtp.release();
      mailer.close();
      await smtp.close();
    }
  });

  test('a mail server that goes silent fails the send well before the mail job expires', async () => {
    // A server that takes the connection and never greets.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}/?socketTimeout=300`, 'shop@shop.test');
    try {
      const url = new URL(pooledSmtpUrl(`smtp://127.0.0.1:${port}`));
      // The job's expiry is 120 s: the send must give up in time for the retry
      // (nodemailer's defaults: 2 minutes to connect, 10 of silence).
      for (const timeout of ['connectionTimeout', 'socketTimeout']) {
        expect(Number(url.searchParams.get(timeout) ?? Infinity)).toBeLessThanOrEqual(60_000);
      }
      // And nodemailer honours it: here with a short one.
      await expect(mailer.send(message)).rejects.toThrow(/timeout/i);
    } finally {
      mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a refused login rejects the send (the job then fails and is retried)', async () => {
    const smtp = await startSmtpServer({ user: 'shop', pass: 's3cret' });
    const mailer = new SmtpMailer(`smtp://shop:wrong@127.0.0.1:${smtp.port}`, 'shop@shop.test');
    try {
      await expect(mailer.send(message)).rejects.toThrow(/Invalid username or password/);
      expect(smtp.received).toHaveLength(0);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });
});

describe('OutboxMailer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'minishop-outbox-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes each message as a readable .eml file; the same message id overwrites', async () => {
    const mailer = new OutboxMailer(outboxDir(dir), 'minishop <no-reply@shop.test>');
    await mailer.send(message, { messageId: '<job-7@minishop>' });
    await mailer.send(message, { messageId: '<job-7@minishop>' });
    await mailer.send({ ...message, subject: 'Receipt' });
    const files = outboxFiles(dir).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
    const eml = readFileSync(join(outboxDir(dir), 'job-7@minishop.eml'), 'utf8');
    expect(eml).toContain('To: ada@example.com');
    expect(eml).toContain('Subject: Your order 1042 is confirmed');
    expect(eml).toContain('Thank you for your order.');
  });
});

describe('mail.send job', () => {
  let t: TestApp | undefined;
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'minishop-data-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const start = (env: Record<string, string>) =>
    startTestApp({
      env,
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
  const enqueueInTransaction = (app: TestApp) =>
    app
      .get(TransactionRunner)
      .run((m) => app.get(JobQueue).enqueue('mail.send', message, { manager: m }));

  test('without SMTP_URL the mail is written to ${DATA_DIR}/outbox by the worker', async () => {
    t = await start({ DATA_DIR: dataDir });
    expect(t.get(Mailer)).toBeInstanceOf(OutboxMailer);
    const id = await enqueueInTransaction(t);
    expect(id).toEqual(expect.any(String));
    const eml = await waitForOutboxMail(dataDir, id!, 'the outbox file');
    expect(eml).toContain('Your order 1042 is confirmed');
  });

  test('with SMTP_URL the worker delivers it over SMTP', async () => {
    const smtp = await startSmtpServer();
    try {
      t = await start({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'shop@shop.test' });
      const id = await enqueueInTransaction(t);
      const mail = await waitFor(async () => smtp.received[0], 'the SMTP delivery');
      expect(mail.to).toEqual(['ada@example.com']);
      expect(mail.from).toBe('shop@shop.test');
      expect(mail.raw).toContain(`Message-ID: <${id}@minishop>`);
      // The app's shutdown closes its pooled connection, so the server has
      // no client left to wait for when it closes.
      await t.close();
      t = undefined;
    } finally {
      await t?.close();
      t = undefined;
      await smtp.close();
    }
  });

  test('an unreachable mail server fails the job for a retry, never the transaction that enqueued it', async () => {
    const smtp = await startSmtpServer();
    await smtp.close();
    t = await start({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
    const id = await enqueueInTransaction(t);
    expect(id).toEqual(expect.any(String));
    const ds = t.get(DataSource);
    const job = await waitFor(async () => {
      const rows: { state: string; retry_count: number; output: { message?: string } }[] =
        await ds.query(
          "SELECT state::text AS state, retry_count, output FROM pgboss.job WHERE id = $1 AND state = 'retry'",
          [id],
        );
      return rows[0];
    }, 'the job to wait for a retry');
    expect(job.output.message).toMatch(/ECONNREFUSED/);
  });
});
