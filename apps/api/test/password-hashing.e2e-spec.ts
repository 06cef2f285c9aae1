import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  ARGON2_CONCURRENCY,
  Argon2PasswordHasher,
  HASHING_BUSY_RETRY_AFTER_SECONDS,
  MAX_WAITING_HASHES,
} from '../src/auth/argon2-password-hasher.js';
import { PasswordHasher } from '../src/auth/password-hasher.js';
import { UserRepository } from '../src/auth/user.repository.js';
import { LogDestination } from '../src/infrastructure/logging/log-destination.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { registered, type RegisteredUser } from './support/users.js';

const API = '/api/v1';
const PROBLEM = /^application\/problem\+json/;
const FILLER = 'a password that waits for the gate';

/** The real hasher, except that hashing FILLER holds a slot until the test opens the gate. */
class GatedHasher extends Argon2PasswordHasher {
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  protected override async computeHash(password: string): Promise<string> {
    if (password !== FILLER) return super.computeHash(password);
    await this.gate;
    return 'filler';
  }
}

/** Collects the app's JSON log lines. */
class CapturedLog extends LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

const anIp = () => `10.${[...randomBytes(3)].join('.')}`;
const anEmail = () => `busy-${randomBytes(5).toString('hex')}@example.test`;

describe('password hashing with its queue full', () => {
  let t: TestApp;
  const hasher = new GatedHasher();
  const log = new CapturedLog();
  let u: RegisteredUser;
  let fillers: Promise<string>[];

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_RATE_LIMIT: '2', LOG_LEVEL: 'warn' },
      override: (b) =>
        b
          .overrideProvider(PasswordHasher)
          .useValue(hasher)
          .overrideProvider(LogDestination)
          .useValue(log),
    });
    u = await registered(t);
    fillers = Array.from({ length: ARGON2_CONCURRENCY + MAX_WAITING_HASHES }, () =>
      hasher.hash(FILLER),
    );
  });
  afterAll(async () => {
    hasher.release();
    await Promise.all(fillers ?? []);
    await t?.close();
  });

  /** A 503 problem with the hasher's Retry-After. */
  function expectBusy(res: {
    status: number;
    headers: Record<string, string>;
    body: unknown;
  }): void {
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.headers['retry-after']).toBe(String(HASHING_BUSY_RETRY_AFTER_SECONDS));
    expect(res.body).toMatchObject({
      status: 503,
      type: 'https://minishop.dev/problems/auth-password-hashing-busy',
      detail: expect.stringMatching(/try again/),
    });
  }

  const login = (ip: string, password = u.password) =>
    t.http.post(`${API}/auth/login`).set('X-Forwarded-For', ip).send({ email: u.email, password });

  test('a login → 503 problem with Retry-After, at once', async () => {
    expectBusy(await login(anIp()));
  });

  test('each refusal is logged as a warning without a stack, not as a failure', async () => {
    const before = log.lines.length;
    expectBusy(
      await t.http
        .post(`${API}/auth/register`)
        .send({ email: anEmail(), password: 'a password of its own', name: 'Busy' }),
    );
    const logged = log.lines
      .slice(before)
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown; code?: string })
      .filter((l) => l.code === 'AUTH.PASSWORD_HASHING_BUSY');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/try again/) });
    expect(logged[0]!.err).toBeUndefined();
    expect(log.lines.slice(before).some((l) => l.includes('request failed'))).toBe(false);
  });

  test('a registration → 503, and no account is made', async () => {
    const email = anEmail();
    expectBusy(
      await t.http
        .post(`${API}/auth/register`)
        .send({ email, password: 'a password of its own', name: 'Busy' }),
    );
    expect(await t.get(UserRepository).findByEmail(email)).toBeNull();
  });

  test('a password change → 503', async () => {
    expectBusy(
      await t.http
        .post(`${API}/me/password`)
        .set(u.auth)
        .send({ currentPassword: u.password, newPassword: 'a brand new password' }),
    );
  });

  test("a login over its account's limit is refused by the limit first: 429, not 503", async () => {
    // The first login above was one of the account's 2 from new addresses.
    expectBusy(await login(anIp()));
    const res = await login(anIp());
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  test('once the queue drains, the owner signs in', async () => {
    hasher.release();
    await Promise.all(fillers);
    // From the address it registered from, which has a budget of its own.
    await t.http
      .post(`${API}/auth/login`)
      .send({ email: u.email, password: u.password })
      .expect(200);
  });
});
