import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { hash as argon2Hash } from '@node-rs/argon2';
import { DataSource } from 'typeorm';

import { AccessTokenService } from '../src/auth/access-token.service.js';
import { PasswordResetMailHandler } from '../src/auth/password-reset-mail.handler.js';
import { UserRepository } from '../src/auth/user.repository.js';
import { JobsOptions } from '../src/jobs/jobs.options.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { outboxDir, outboxFiles } from './support/outbox.js';
import { startTestApp, type TestApp, type TestAppOptions } from './support/test-app.js';
import { registered, type RegisteredUser } from './support/users.js';

const API = '/api/v1';
const PROBLEM = /^application\/problem\+json/;
const RESET_URL = 'https://shop.example.test/reset-password';
const NEW_PASSWORD = 'a longer passphrase this time';

/** Statements of this database's sessions waiting for a lock to write an account's row. */
async function writesWaitingOnUsers(ds: DataSource): Promise<number> {
  const [row] = (await ds.query(
    `SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'
        AND query ILIKE 'UPDATE%users%'`,
  )) as { n: string }[];
  return Number(row!.n);
}

/** A client address of its own per test, so IP limits never leak between tests or runs. */
const anIp = () => `10.${[...randomBytes(3)].join('.')}`;

/**
 * An app whose worker sends mail to an outbox of its own (`dataDir`), where
 * the tests read the reset links.
 */
function startMailingApp(dataDir: string, env: Record<string, string>): Promise<TestApp> {
  const options: TestAppOptions = {
    env: { DATA_DIR: dataDir, PASSWORD_RESET_URL: RESET_URL, REDIS_URL: '', ...env },
    override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
  };
  return startTestApp(options);
}

/** The routes under test, as a client calls them, on the app `t()` returns. */
function clientOf(t: () => TestApp, dataDir: string) {
  const me = (accessToken: string) =>
    t().http.get(`${API}/me`).set('Authorization', `Bearer ${accessToken}`);
  const login = (email: string, password: string, ip = anIp()) =>
    t().http.post(`${API}/auth/login`).set('X-Forwarded-For', ip).send({ email, password });
  const refresh = (refreshToken: string) =>
    t().http.post(`${API}/auth/refresh`).send({ refreshToken });
  const change = (u: { accessToken: string }, body: Record<string, unknown>, ip = anIp()) =>
    t()
      .http.post(`${API}/me/password`)
      .set('Authorization', `Bearer ${u.accessToken}`)
      .set('X-Forwarded-For', ip)
      .send(body);
  const askReset = (email: string, ip = anIp()) =>
    t().http.post(`${API}/auth/password-reset`).set('X-Forwarded-For', ip).send({ email });
  const confirm = (token: string, newPassword = NEW_PASSWORD, ip = anIp()) =>
    t()
      .http.post(`${API}/auth/password-reset/confirm`)
      .set('X-Forwarded-For', ip)
      .send({ token, newPassword });

  /** The reset mail jobs of an address, oldest first. */
  const resetJobs = async (email: string) =>
    (await t()
      .get(DataSource)
      .query(
        `SELECT j.id, j.data, j.state FROM pgboss.job j
          WHERE j.name = 'auth.password-reset-mail' AND j.data->>'email' = $1
          ORDER BY j.created_on, j.id`,
        [email],
      )) as { id: string; data: unknown; state: string }[];
  /**
   * The mails of one reset job, first attempt first: each attempt mails under
   * a Message-ID of its own, `<job id>.<retry count>@minishop`, so to a file
   * of its own.
   */
  const mailsOfJob = (jobId: string) =>
    outboxFiles(dataDir)
      // Whole names only: the mailer writes beside the file first (its name
      // and a suffix) and renames, and that half-written file must not match.
      .map((f) => ({ f, attempt: new RegExp(`^${jobId}\\.(\\d+)@minishop\\.eml$`).exec(f)?.[1] }))
      .filter((m) => m.attempt !== undefined)
      .sort((a, b) => Number(a.attempt) - Number(b.attempt))
      .map(({ f }) => readFileSync(join(outboxDir(dataDir), f), 'utf8'));
  /** The reset mails sent to an address (each job's last), once the worker has written them. */
  const resetMails = async (email: string) =>
    Promise.all(
      (await resetJobs(email)).map((job) =>
        waitFor(async () => mailsOfJob(job.id).at(-1), `the reset mail of job ${job.id}`),
      ),
    );
  const tokenOf = (mail: string) => {
    // The .eml body is quoted-printable: "=" is "=3D", long lines wrap at "=\n".
    const text = mail
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const match = new RegExp(`${RESET_URL}\\?token=([\\w-]+)`).exec(text);
    if (!match) throw new Error(`no reset link in: ${mail}`);
    return match[1]!;
  };
  const resetTokenFor = async (email: string) => {
    await askReset(email).expect(202);
    const mails = await resetMails(email);
    return tokenOf(mails.at(-1)!);
  };

  /** Whether each of `u`'s credentials still works: its access token, its refresh token. */
  const stillWorks = async (u: RegisteredUser) => ({
    access: (await me(u.accessToken)).status,
    refresh: (await refresh(u.refreshToken)).status,
  });
  return {
    me,
    login,
    refresh,
    change,
    askReset,
    confirm,
    resetJobs,
    mailsOfJob,
    resetMails,
    tokenOf,
    resetTokenFor,
    stillWorks,
  };
}

describe('password change and reset', () => {
  let t: TestApp;
  let ds: DataSource;
  const dataDir = mkdtempSync(join(tmpdir(), 'minishop-password-'));

  beforeAll(async () => {
    t = await startMailingApp(dataDir, {
      // Limits out of the way here; they have their own app below.
      LOGIN_RATE_LIMIT: '10000',
      LOGIN_RATE_LIMIT_IP: '10000',
      PASSWORD_RESET_TTL_MINUTES: '30',
    });
    ds = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const {
    me,
    login,
    refresh,
    change,
    askReset,
    confirm,
    resetJobs,
    mailsOfJob,
    resetMails,
    tokenOf,
    resetTokenFor,
    stillWorks,
  } = clientOf(() => t, dataDir);

  describe('POST /me/password', () => {
    test('200 with a new session; every other session and access token ends; only the new password signs in', async () => {
      const u = await registered(t);
      const otherDevice = (await login(u.email, u.password).expect(200)).body as {
        accessToken: string;
        refreshToken: string;
      };

      const res = await change(u, { currentPassword: u.password, newPassword: NEW_PASSWORD });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body as object).sort()).toEqual([
        'accessToken',
        'expiresIn',
        'refreshToken',
      ]);
      const fresh = res.body as { accessToken: string; refreshToken: string };

      expect(await stillWorks(u)).toEqual({ access: 401, refresh: 401 });
      expect((await me(otherDevice.accessToken)).status).toBe(401);
      expect((await refresh(otherDevice.refreshToken)).status).toBe(401);
      expect((await me(fresh.accessToken)).body).toMatchObject({ id: u.id, email: u.email });
      await refresh(fresh.refreshToken).expect(200);

      await login(u.email, u.password).expect(401);
      await login(u.email, NEW_PASSWORD).expect(200);
    });

    test('a wrong current password → 400 naming currentPassword, and nothing changes', async () => {
      const u = await registered(t);
      const res = await change(u, {
        currentPassword: 'not my password',
        newPassword: NEW_PASSWORD,
      });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        type: 'https://minishop.dev/problems/auth-wrong-current-password',
        errors: [{ field: 'currentPassword' }],
      });
      expect((await me(u.accessToken)).status).toBe(200);
      await login(u.email, u.password).expect(200);
      await login(u.email, NEW_PASSWORD).expect(401);
    });

    test.each([
      ['too short', 'short', 'newPassword must be at least 8 characters'],
      ['too common', 'password123', 'newPassword is too common; choose another'],
    ])(
      'a new password %s → 400 naming newPassword, and nothing changes',
      async (_, next, message) => {
        const u = await registered(t);
        const res = await change(u, { currentPassword: u.password, newPassword: next });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ errors: [{ field: 'newPassword', message }] });
        expect(await stillWorks(u)).toEqual({ access: 200, refresh: 200 });
      },
    );

    test('the current password again → 400, in any Unicode form', async () => {
      const u = await registered(t, { password: 'café au lait please' });
      const decomposed = 'cafe\u0301 au lait please';
      const res = await change(u, { currentPassword: u.password, newPassword: decomposed });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        type: 'https://minishop.dev/problems/auth-password-unchanged',
        errors: [{ field: 'newPassword' }],
      });
    });

    test('no token → 401; unknown fields → 400', async () => {
      await t.http
        .post(`${API}/me/password`)
        .send({ currentPassword: 'x', newPassword: NEW_PASSWORD })
        .expect(401);
      const u = await registered(t);
      const res = await change(u, {
        currentPassword: u.password,
        newPassword: NEW_PASSWORD,
        role: 'admin',
      });
      expect(res.status).toBe(400);
      await login(u.email, u.password).expect(200);
    });

    test('a sign-in that upgrades an old hash while a change commits does not bring the old password back', async () => {
      const email = `legacy-${randomBytes(5).toString('hex')}@example.test`;
      const old = 'the old password, weakly hashed';
      const weak = await argon2Hash(old, { memoryCost: 8192, timeCost: 1, parallelism: 1 });
      const user = (await t
        .get(UserRepository)
        .create({ email, name: 'Legacy', role: 'customer', passwordHash: weak }))!;
      const { accessToken } = t.get(AccessTokenService).issue(user, undefined);

      // The account's row held, so both writes queue on it: the change's
      // first, then the sign-in's upgrade of the hash it checked.
      const holder = ds.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      let changed: Promise<{ status: number }>;
      let signedIn: Promise<{ status: number }>;
      try {
        await holder.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [user.id]);
        changed = change({ accessToken }, { currentPassword: old, newPassword: NEW_PASSWORD }).then(
          (r) => r,
        );
        await waitFor(
          async () => ((await writesWaitingOnUsers(ds)) === 1 ? true : undefined),
          'the change to wait',
        );
        signedIn = login(email, old).then((r) => r);
        await waitFor(
          async () => ((await writesWaitingOnUsers(ds)) === 2 ? true : undefined),
          'the upgrade to wait',
        );
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }
      expect((await changed).status).toBe(200);
      // Checked before the change committed: it signs in, with a session
      // the change has already ended.
      expect((await signedIn).status).toBe(200);
      await login(email, old).expect(401);
      await login(email, NEW_PASSWORD).expect(200);
    });

    test('an access token whose version is not a whole number → 401', async () => {
      const u = await registered(t);
      const claims = t.get(JwtService).decode<Record<string, unknown>>(u.accessToken);
      for (const ver of ['0', -1, 1.5, null]) {
        const forged = t.get(JwtService).sign({ ...claims, ver });
        expect((await me(forged)).status).toBe(401);
      }
      expect((await me(t.get(JwtService).sign({ ...claims, ver: 0 }))).status).toBe(200);
    });

    test('a refresh token from before a change is refused even where its revocation was missed', async () => {
      const u = await registered(t);
      await change(u, { currentPassword: u.password, newPassword: NEW_PASSWORD }).expect(200);
      // As if a sign-in with the old password had committed its token after
      // the change revoked the account's sessions.
      await ds.query(
        'UPDATE refresh_tokens SET revoked_at = NULL, spent_at = NULL WHERE user_id = $1',
        [u.id],
      );
      await refresh(u.refreshToken).expect(401);
    });
  });

  describe('password reset', () => {
    test('202 for an address with an account: a mail with a single-use link', async () => {
      const u = await registered(t);
      const res = await askReset(`  ${u.email.toUpperCase()} `);
      expect(res.status).toBe(202);
      expect(res.text).toBe('');
      const mails = await resetMails(u.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]).toContain('within 30 minutes');
      const token = tokenOf(mails[0]!);
      const stored = (await ds.query(
        'SELECT token_hash, expires_at FROM password_reset_tokens WHERE user_id = $1',
        [u.id],
      )) as { token_hash: string; expires_at: Date }[];
      expect(stored).toHaveLength(1);
      expect(stored[0]!.token_hash).not.toContain(token);
      // The job names the address only: the link exists in the mail alone.
      const jobs = await resetJobs(u.email);
      expect(jobs.map((j) => j.data)).toEqual([{ email: u.email }]);
      const minutesLeft = (stored[0]!.expires_at.getTime() - Date.now()) / 60_000;
      expect(minutesLeft).toBeGreaterThan(28);
      expect(minutesLeft).toBeLessThanOrEqual(30);
    });

    test('the same 202 for an unknown or disabled address, and no mail', async () => {
      const unknown = `nobody-${randomBytes(5).toString('hex')}@example.test`;
      const a = await askReset(unknown);
      const disabled = await registered(t);
      await ds.query('UPDATE users SET disabled = true WHERE id = $1', [disabled.id]);
      const b = await askReset(disabled.email);
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(a.text).toBe(b.text);
      // The same work for every address: one job each, which the worker
      // ends without a token or a mail.
      for (const email of [unknown, disabled.email]) {
        const [job, ...more] = await waitFor(async () => {
          const jobs = await resetJobs(email);
          return jobs.length > 0 && jobs.every((j) => j.state === 'completed') ? jobs : undefined;
        }, `the reset job of ${email} to complete`);
        expect(more).toEqual([]);
        expect(mailsOfJob(job!.id)).toEqual([]);
      }
      expect(
        await ds.query('SELECT 1 FROM password_reset_tokens WHERE user_id = $1', [disabled.id]),
      ).toEqual([]);
    });

    test('a retried mail job mails its new link under a Message-ID of its own, led by the job id', async () => {
      const u = await registered(t);
      const handler = t.get(PasswordResetMailHandler);
      const jobId = randomUUID();
      // The worker's two attempts of one job, as when the first one's send
      // timed out after the mail service had accepted it.
      for (const retryCount of [0, 1]) {
        await handler.handle(
          { userId: u.id },
          {
            id: jobId,
            name: 'auth.password-reset-mail',
            retryCount,
          },
        );
      }
      const mails = mailsOfJob(jobId);
      expect(mails.map((m) => /^Message-ID: (.+)$/m.exec(m)?.[1])).toEqual([
        `<${jobId}.0@minishop>`,
        `<${jobId}.1@minishop>`,
      ]);
      const [first, second] = mails.map(tokenOf);
      expect(second).not.toBe(first);
      await confirm(second!).expect(204);
      await login(u.email, NEW_PASSWORD).expect(200);
    });

    test('the token sets a new password once; every session ends', async () => {
      const u = await registered(t);
      const token = await resetTokenFor(u.email);

      await confirm(token).expect(204);
      expect(await stillWorks(u)).toEqual({ access: 401, refresh: 401 });
      await login(u.email, u.password).expect(401);
      await login(u.email, NEW_PASSWORD).expect(200);

      const again = await confirm(token, 'yet another passphrase');
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({
        type: 'https://minishop.dev/problems/auth-invalid-reset-token',
        errors: [{ field: 'token' }],
      });
      await login(u.email, NEW_PASSWORD).expect(200);
    });

    test('two confirmations of one token at once: one sets the password, the other is a 400', async () => {
      const u = await registered(t);
      const token = await resetTokenFor(u.email);
      const replies = await Promise.all([
        confirm(token, 'first of two passphrases'),
        confirm(token, 'second of two passphrases'),
      ]);
      expect(replies.map((r) => r.status).sort()).toEqual([204, 400]);
      const winner = replies[0]!.status === 204 ? 'first' : 'second';
      await login(u.email, `${winner} of two passphrases`).expect(200);
    });

    test.each([
      ['the change', 'the reset'],
      ['the reset', 'the change'],
    ])(
      'a change and a reset of one account queued at once: %s writes first and wins, %s → 400',
      async (first) => {
        const u = await registered(t);
        const token = await resetTokenFor(u.email);
        const byChange = 'the password the change sets';
        const byReset = 'the password the reset sets';
        const start = {
          'the change': () =>
            change(u, { currentPassword: u.password, newPassword: byChange }).then((r) => r),
          'the reset': () => confirm(token, byReset).then((r) => r),
        };
        // The account's row held, so both writes queue on it in a known order;
        // each checked the account at the same version before it waited.
        const holder = ds.createQueryRunner();
        await holder.connect();
        await holder.startTransaction();
        const replies: Promise<{ status: number; body: { type?: string } }>[] = [];
        try {
          await holder.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [u.id]);
          const order: (keyof typeof start)[] =
            first === 'the change' ? ['the change', 'the reset'] : ['the reset', 'the change'];
          for (const [i, which] of order.entries()) {
            replies.push(start[which]());
            await waitFor(
              async () => ((await writesWaitingOnUsers(ds)) === i + 1 ? true : undefined),
              `${which} to wait`,
            );
          }
        } finally {
          await holder.rollbackTransaction();
          await holder.release();
        }
        const [won, lost] = await Promise.all(replies);
        expect(won!.status).toBe(first === 'the change' ? 200 : 204);
        expect(lost!.status).toBe(400);
        expect(lost!.body.type).toMatch(
          first === 'the change' ? /auth-invalid-reset-token$/ : /auth-wrong-current-password$/,
        );
        const [row] = (await ds.query('SELECT credentials_version FROM users WHERE id = $1', [
          u.id,
        ])) as { credentials_version: number }[];
        expect(row!.credentials_version).toBe(1);
        await login(u.email, first === 'the change' ? byChange : byReset).expect(200);
        await login(u.email, first === 'the change' ? byReset : byChange).expect(401);
        await login(u.email, u.password).expect(401);
      },
    );

    test('an expired token, an unknown one, or one from before the password changed → 400, and nothing changes', async () => {
      const u = await registered(t);
      const expired = await resetTokenFor(u.email);
      await ds.query(
        "UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1",
        [u.id],
      );
      await confirm(expired).expect(400);
      await confirm(randomBytes(32).toString('base64url')).expect(400);

      const older = await resetTokenFor(u.email);
      const newer = await resetTokenFor(u.email);
      await confirm(newer).expect(204);
      await confirm(older, 'an older link, used late').expect(400);
      await login(u.email, NEW_PASSWORD).expect(200);

      const beforeChange = await resetTokenFor(u.email);
      const session = (await login(u.email, NEW_PASSWORD).expect(200)).body as {
        accessToken: string;
      };
      await change(session, {
        currentPassword: NEW_PASSWORD,
        newPassword: 'changed while a link was out',
      }).expect(200);
      await confirm(beforeChange, 'the stale link again').expect(400);
      await login(u.email, 'changed while a link was out').expect(200);
    });

    test('a token issued before the account was disabled → 400, and nothing changes', async () => {
      const u = await registered(t);
      const token = await resetTokenFor(u.email);
      await ds.query('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
      await confirm(token).expect(400);
      await ds.query('UPDATE users SET disabled = false WHERE id = $1', [u.id]);
      await login(u.email, u.password).expect(200);
    });

    test('a new password that breaks the rules → 400, and the token still works', async () => {
      const u = await registered(t);
      const token = await resetTokenFor(u.email);
      const res = await confirm(token, 'password');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errors: [{ field: 'newPassword' }] });
      expect(await stillWorks(u)).toEqual({ access: 200, refresh: 200 });
      await confirm(token).expect(204);
    });

    test('invalid bodies → 400', async () => {
      await t.http.post(`${API}/auth/password-reset`).send({}).expect(400);
      await t.http
        .post(`${API}/auth/password-reset`)
        .send({ email: 'a@example.test', extra: 1 })
        .expect(400);
      await t.http.post(`${API}/auth/password-reset/confirm`).send({ token: 'x' }).expect(400);
      await t.http
        .post(`${API}/auth/password-reset/confirm`)
        .send({ token: 'x'.repeat(513), newPassword: NEW_PASSWORD })
        .expect(400);
    });
  });
});

describe('password attempts and reset requests count on the login limits', () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'minishop-password-limits-'));
  beforeAll(async () => {
    t = await startMailingApp(dataDir, { LOGIN_RATE_LIMIT: '3', LOGIN_RATE_LIMIT_IP: '6' });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const { me, login, change, askReset, confirm, resetJobs, resetTokenFor } = clientOf(
    () => t,
    dataDir,
  );

  test("guesses count on the account's login limit: the 4th attempt → 429, even with the right password", async () => {
    const u = await registered(t);
    const ip = anIp();
    for (let i = 0; i < 3; i++) {
      await change(
        u,
        { currentPassword: `guess ${i} wrong`, newPassword: NEW_PASSWORD },
        ip,
      ).expect(400);
    }
    const res = await change(u, { currentPassword: u.password, newPassword: NEW_PASSWORD }, ip);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // and the login route does not hand out more guesses
    await login(u.email, u.password, ip).expect(429);
    expect((await me(u.accessToken)).status).toBe(200);
  });

  test("requests count on the account's login limit: the 4th → 429, and no 4th mail", async () => {
    const u = await registered(t);
    for (let i = 0; i < 3; i++) await askReset(u.email).expect(202);
    const res = await askReset(u.email);
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(await resetJobs(u.email)).toHaveLength(3);
  });

  test('a request does not make its address one the account signed in from', async () => {
    const u = await registered(t);
    const ip = anIp();
    await askReset(u.email, ip).expect(202);
    // Strangers spend the account's budget for unknown addresses...
    for (let i = 0; i < 2; i++) await login(u.email, 'wrong password!').expect(401);
    // ...and the address that only asked for a reset is one of them.
    await login(u.email, u.password, ip).expect(429);
  });

  test('a confirmation makes its address one the account signed in from, strangers spending its budget or not', async () => {
    const u = await registered(t);
    const ip = anIp();
    // The request is one of the account's 3 for unknown addresses; strangers
    // spend the rest.
    const token = await resetTokenFor(u.email);
    for (let i = 0; i < 2; i++) await login(u.email, 'wrong password!').expect(401);
    await login(u.email, u.password).expect(429);
    await confirm(token, NEW_PASSWORD, ip).expect(204);
    await login(u.email, NEW_PASSWORD, ip).expect(200);
    await login(u.email, NEW_PASSWORD).expect(429);
  });

  test('confirmations count per address: the 7th from one address → 429', async () => {
    const ip = anIp();
    for (let i = 0; i < 6; i++) {
      await confirm(randomBytes(32).toString('base64url'), NEW_PASSWORD, ip).expect(400);
    }
    const res = await confirm(randomBytes(32).toString('base64url'), NEW_PASSWORD, ip);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  test("a confirmation naming an e-mail does not spend that account's budget", async () => {
    const u = await registered(t);
    for (let i = 0; i < 4; i++) {
      await t.http
        .post(`${API}/auth/password-reset/confirm`)
        .set('X-Forwarded-For', anIp())
        .send({ token: 'made-up', newPassword: NEW_PASSWORD, email: u.email })
        .expect(400);
    }
    await login(u.email, u.password).expect(200);
  });
});
