import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { CartMergeReport } from '@minishop/domain';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DataSource } from 'typeorm';

import { AccountStatusService } from '../src/auth/admin/account-status.service.js';
import { ARGON2_OPTIONS } from '../src/auth/argon2-password-hasher.js';
import { GuestCartAbsorber } from '../src/auth/guest-cart-absorber.js';
import { hashOpaqueToken } from '../src/auth/opaque-token.js';
import { PasswordHasher } from '../src/auth/password-hasher.js';
import { RefreshTokenRepository } from '../src/auth/refresh-token.repository.js';
import { RegistrationService } from '../src/auth/registration.service.js';
import {
  FlexibleLoginRateLimiter,
  KNOWN_ADDRESSES_PER_ACCOUNT,
} from '../src/auth/throttling/flexible-login-rate-limiter.js';
import { LoginRateLimiter } from '../src/auth/throttling/login-rate-limiter.js';
import { UserRepository } from '../src/auth/user.repository.js';
import { Clock } from '../src/infrastructure/clock/clock.js';
import { EmailNfkc1764200000000 } from '../src/infrastructure/database/migrations/1764200000000-email-nfkc.js';
import {
  REFRESH_TOKEN_RETENTION_DAYS,
  RefreshTokenCleanupService,
} from '../src/maintenance/refresh-token-cleanup.service.js';
import { waitFor } from './support/jobs-probe.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { registered } from './support/users.js';

const PROBLEM = /^application\/problem\+json/;

class ShiftedClock extends Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/** Stands in for the cart feature's absorber: records calls, fails on request. */
class RecordingAbsorber extends GuestCartAbsorber {
  readonly calls: [userId: string, cartToken: string][] = [];
  async absorb(userId: string, cartToken: string): Promise<CartMergeReport | null> {
    this.calls.push([userId, cartToken]);
    if (cartToken === 'unmergeable') throw new Error('cart storage unavailable');
    return null;
  }
}
const absorber = new RecordingAbsorber();

/** A client address of its own per test, so IP limits never leak between tests or runs. */
const anIp = () => `10.${[...randomBytes(3)].join('.')}`;
const anEmail = (tag = 'u') => `${tag}-${randomBytes(5).toString('hex')}@example.test`;
const PASSWORD = 'correct horse battery staple';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

type Schema = {
  $ref?: string;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  items?: Schema;
};
type OpenApiDoc = {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

/** Every field of `value` must be declared by `schema` (recursively): no leaks. */
function undocumentedFields(doc: OpenApiDoc, schema: Schema, value: unknown, path = ''): string[] {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return undocumentedFields(doc, doc.components.schemas[name]!, value, path);
  }
  if (schema.allOf) return schema.allOf.flatMap((s) => undocumentedFields(doc, s, value, path));
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => undocumentedFields(doc, schema.items ?? {}, v, `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object') return [];
  const props = schema.properties ?? {};
  return Object.entries(value).flatMap(([key, v]) =>
    key in props ? undocumentedFields(doc, props[key]!, v, `${path}.${key}`) : [`${path}.${key}`],
  );
}

function replySchema(doc: OpenApiDoc, path: string, method: string, status: number): Schema {
  const op = doc.paths[path]![method] as {
    responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  };
  const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${path} documents no ${status} body`);
  return schema;
}

describe('auth', () => {
  let t: TestApp;
  const clock = new ShiftedClock();

  beforeAll(async () => {
    t = await startTestApp({
      // Limits out of the way here; throttling has its own apps below.
      env: { LOGIN_RATE_LIMIT: '10000', LOGIN_RATE_LIMIT_IP: '10000', REDIS_URL: '' },
      override: (b) =>
        b
          .overrideProvider(Clock)
          .useValue(clock)
          // the cart feature's absorber, replaced by one that records its calls
          .overrideProvider(GuestCartAbsorber)
          .useValue(absorber),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const me = (accessToken: string) =>
    t.http.get('/api/v1/me').set('Authorization', `Bearer ${accessToken}`);
  const login = (email: string, password: string, ip = anIp()) =>
    t.http.post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  describe('POST /auth/register', () => {
    test('→ 201 with the user, a token pair and expiresIn; the access token opens /me', async () => {
      const email = anEmail();
      const res = await t.http
        .post('/api/v1/auth/register')
        .send({ email, password: PASSWORD, name: '  Ada Lovelace ' })
        .expect(201);
      expect(res.body).toEqual({
        user: { id: expect.any(String), email, name: 'Ada Lovelace', role: 'customer' },
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expiresIn: t.config.jwtAccessTtlSeconds,
      });
      const me = await t.http
        .get('/api/v1/me')
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
      expect(me.body).toEqual(res.body.user);
    });

    test('→ 201 with Location: GET /me, which answers with the new account', async () => {
      const res = await t.http
        .post('/api/v1/auth/register')
        .send({ email: anEmail(), password: PASSWORD, name: 'Grace Hopper' })
        .expect(201);
      expect(res.headers.location).toBe('/api/v1/me');
      const me = await t.http
        .get(res.headers.location!)
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
      expect(me.body).toEqual(res.body.user);
    });

    test('stores an argon2id hash with the chosen parameters, never the password', async () => {
      const u = await registered(t);
      const stored = await t.get(UserRepository).findById(u.id);
      expect(stored?.passwordHash).toMatch(
        new RegExp(
          `^\\$argon2id\\$v=19\\$m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}\\$`,
        ),
      );
      expect(stored?.passwordHash).not.toContain(u.password);
    });

    test('the refresh token is stored only as its SHA-256 hash', async () => {
      const u = await registered(t);
      const rows = (await t
        .get(DataSource)
        .query('SELECT token_hash FROM refresh_tokens WHERE user_id = $1', [u.id])) as {
        token_hash: string;
      }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]!.token_hash).not.toContain(u.refreshToken);
    });

    test('e-mail is unique whatever its case → 409; stored and answered in lower case', async () => {
      const local = `Mixed.Case-${randomBytes(4).toString('hex')}`;
      const first = await t.http
        .post('/api/v1/auth/register')
        .send({ email: `${local}@Example.TEST`, password: PASSWORD, name: 'First' })
        .expect(201);
      expect(first.body.user.email).toBe(`${local}@example.test`.toLowerCase());
      const dup = await t.http
        .post('/api/v1/auth/register')
        .send({ email: `${local.toUpperCase()}@example.test`, password: PASSWORD, name: 'Second' })
        .expect(409);
      expect(dup.headers['content-type']).toMatch(PROBLEM);
      expect(dup.body.errors).toEqual([{ field: 'email', message: 'email is already registered' }]);
      // and login does not care about case either
      await login(`  ${local.toUpperCase()}@EXAMPLE.test `, PASSWORD).expect(200);
    });

    test('e-mail is unique whatever its Unicode form (NFC/NFD, full-width) → 409', async () => {
      const tag = randomBytes(4).toString('hex');
      const composed = `jos\u00e9-${tag}@example.test`;
      const first = await t.http
        .post('/api/v1/auth/register')
        .send({ email: composed, password: PASSWORD, name: 'First' })
        .expect(201);
      expect(first.body.user.email).toBe(composed);
      // the same address, decomposed (e + combining acute)
      await t.http
        .post('/api/v1/auth/register')
        .send({ email: `jose\u0301-${tag}@example.test`, password: PASSWORD, name: 'Second' })
        .expect(409);
      await login(`JOSE\u0301-${tag}@example.test`, PASSWORD).expect(200);

      const ascii = `ada-${tag}@example.test`;
      await t.http
        .post('/api/v1/auth/register')
        .send({ email: ascii, password: PASSWORD, name: 'Ada' })
        .expect(201);
      // full-width letters look the same and fold to the same address
      const fullWidth = `\uff21\uff44\uff41-${tag}@example.test`;
      await t.http
        .post('/api/v1/auth/register')
        .send({ email: fullWidth, password: PASSWORD, name: 'Look-alike' })
        .expect(409);
      await login(fullWidth, PASSWORD).expect(200);
    });

    test('the migration rewrites addresses stored in another form, except colliding ones', async () => {
      const tag = randomBytes(4).toString('hex');
      const insert = (email: string) =>
        t.db.rows<{ id: string }>(
          `INSERT INTO users (email, name, password_hash, role)
           VALUES ($1, 'Legacy', '!', 'customer') RETURNING id`,
          [email],
        );
      const [lone] = await insert(`rene\u0301-${tag}@example.test`);
      const [twinA] = await insert(`\uff42-${tag}@example.test`);
      const [twinB] = await insert(`b-${tag}@example.test`);
      const runner = t.get(DataSource).createQueryRunner();
      try {
        await new EmailNfkc1764200000000().up(runner);
      } finally {
        await runner.release();
      }
      const emailOf = async (id: string) =>
        (await t.db.rows<{ email: string }>('SELECT email FROM users WHERE id = $1', [id]))[0]
          ?.email;
      expect(await emailOf(lone!.id)).toBe(`ren\u00e9-${tag}@example.test`);
      expect(await emailOf(twinA!.id)).toBe(`\uff42-${tag}@example.test`);
      expect(await emailOf(twinB!.id)).toBe(`b-${tag}@example.test`);
    });

    test('a taken e-mail → 409 before any password is hashed', async () => {
      const u = await registered(t);
      const hash = jest.spyOn(t.get(PasswordHasher), 'hash');
      try {
        const dup = await t.http
          .post('/api/v1/auth/register')
          .send({ email: u.email.toUpperCase(), password: PASSWORD, name: 'Twin' })
          .expect(409);
        expect(dup.body.errors).toEqual([
          { field: 'email', message: 'email is already registered' },
        ]);
        expect(hash).not.toHaveBeenCalled();
        // The spy sees the hashing of a new e-mail.
        await t.http
          .post('/api/v1/auth/register')
          .send({ email: anEmail('fresh'), password: PASSWORD, name: 'Fresh' })
          .expect(201);
        expect(hash).toHaveBeenCalledTimes(1);
      } finally {
        hash.mockRestore();
      }
    });

    test('an e-mail taken between the check and the insert → 409 all the same', async () => {
      const u = await registered(t);
      // As when a registration of the same new e-mail commits meanwhile.
      const find = jest.spyOn(t.get(UserRepository), 'findByEmail').mockResolvedValueOnce(null);
      try {
        const dup = await t.http
          .post('/api/v1/auth/register')
          .send({ email: u.email, password: PASSWORD, name: 'Late' })
          .expect(409);
        expect(dup.body.errors).toEqual([
          { field: 'email', message: 'email is already registered' },
        ]);
        expect(find).toHaveBeenCalledTimes(1);
      } finally {
        find.mockRestore();
      }
    });

    test('concurrent registrations of one e-mail: exactly one 201, the rest 409', async () => {
      const email = anEmail('race');
      const replies = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http.post('/api/v1/auth/register').send({ email, password: PASSWORD, name: 'Racer' }),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    });

    test.each([
      ['too short', 'Sh0rt!', /at least 8/],
      ['too long', 'x'.repeat(129), /at most 128/],
      ['too common', 'Password123', /too common/],
    ])(
      'a password %s → 400 naming the password field, and no account',
      async (_, password, why) => {
        const email = anEmail('weak');
        const res = await t.http
          .post('/api/v1/auth/register')
          .send({ email, password, name: 'Weak' })
          .expect(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.errors[0].field).toBe('password');
        expect(res.body.detail).toMatch(why);
        expect(await t.get(UserRepository).findByEmail(email)).toBeNull();
      },
    );

    test('an unknown field (role: "admin") → 400, and no account is created', async () => {
      const email = anEmail('sneaky');
      const res = await t.http
        .post('/api/v1/auth/register')
        .send({ email, password: PASSWORD, name: 'Sneaky', role: 'admin' })
        .expect(400);
      expect(res.body.errors).toEqual([{ field: 'role', message: 'role is not allowed' }]);
      expect(await t.get(UserRepository).findByEmail(email)).toBeNull();
    });

    test('a NUL character in the name → 400 problem, not a 500, and no account', async () => {
      const email = anEmail('nul');
      const res = await t.http
        .post('/api/v1/auth/register')
        .send({ email, password: PASSWORD, name: 'Ada\u0000Lovelace' })
        .expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(await t.get(UserRepository).findByEmail(email)).toBeNull();
    });

    test('a lone surrogate in the e-mail or the name → 400 naming the field, and no account', async () => {
      // The e-mail rule's validator threw on it (a 500); the name would have
      // been stored with U+FFFD in its place.
      const email = anEmail('surrogate');
      for (const [body, field] of [
        [{ email: 'ada\ud800@example.test', password: PASSWORD, name: 'Ada' }, 'email'],
        [{ email, password: PASSWORD, name: 'Ada\udfff' }, 'name'],
      ] as const) {
        const res = await t.http.post('/api/v1/auth/register').send(body).expect(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        expect(res.body.errors).toEqual([
          {
            field,
            message: expect.stringMatching(new RegExp(`^${field} must be well-formed Unicode`)),
          },
        ]);
      }
      expect(await t.get(UserRepository).findByEmail(email)).toBeNull();
    });

    test('a malformed e-mail or a missing name → 400 with field errors', async () => {
      const res = await t.http
        .post('/api/v1/auth/register')
        .send({ email: 'not-an-email', password: PASSWORD })
        .expect(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'name']));
    });
  });

  describe('POST /auth/login', () => {
    test('→ 200 with the same shape as register and a new session', async () => {
      const u = await registered(t);
      const res = await login(u.email, u.password).expect(200);
      expect(res.body).toEqual({
        user: { id: u.id, email: u.email, name: u.name, role: 'customer' },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: t.config.jwtAccessTtlSeconds,
      });
      expect(res.body.refreshToken).not.toBe(u.refreshToken);
      await t.http
        .get('/api/v1/me')
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
    });

    test('wrong password and unknown e-mail get the identical 401 reply', async () => {
      const u = await registered(t);
      const wrong = await login(u.email, 'not the password at all').expect(401);
      const unknown = await login(anEmail('nobody'), 'not the password at all').expect(401);
      expect(wrong.headers['content-type']).toMatch(PROBLEM);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toMatchObject({
        status: 401,
        type: 'https://minishop.dev/problems/auth-invalid-credentials',
        detail: 'Invalid e-mail or password',
      });
    });

    test('a lone surrogate in the e-mail → 400 problem, not a 500', async () => {
      const res = await login('ada\ud800@example.test', PASSWORD).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.detail).toMatch(/email must be well-formed Unicode/);
    });

    test('a NUL character in the e-mail → 400 problem, not a 500', async () => {
      const res = await login('ada\u0000@example.test', PASSWORD).expect(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.detail).toMatch(/email must not contain NUL/);
    });

    test('a hash made with weaker parameters is upgraded at the next successful login', async () => {
      const email = anEmail('legacy');
      const weak = await argon2Hash(PASSWORD, { memoryCost: 8192, timeCost: 1, parallelism: 1 });
      const user = await t
        .get(UserRepository)
        .create({ email, name: 'Legacy', role: 'customer', passwordHash: weak });
      await login(email, PASSWORD).expect(200);
      const stored = await t.get(UserRepository).findById(user!.id);
      expect(stored?.passwordHash).toContain(`m=${ARGON2_OPTIONS.memoryCost},`);
      await login(email, PASSWORD).expect(200);
    });

    describe('passwords in another Unicode form', () => {
      const tag = () => randomBytes(4).toString('hex');
      /** "café crème …" with é/è precomposed (NFC, also NFKC) and as e + combining accent. */
      const composed = (suffix: string) => `caf\u00e9 cr\u00e8me ${suffix}`;
      const decomposed = (suffix: string) => `cafe\u0301 cre\u0300me ${suffix}`;

      test('registered with combining accents, signs in from a keyboard sending é, and back', async () => {
        const a = tag();
        const u = await registered(t, { password: decomposed(a) });
        await login(u.email, composed(a)).expect(200);
        await login(u.email, decomposed(a)).expect(200);
        const b = tag();
        const v = await registered(t, { password: composed(b) });
        await login(v.email, decomposed(b)).expect(200);
        // still a secret: another accent is another password
        await login(v.email, `caf\u00e8 cr\u00e8me ${b}`).expect(401);
      });

      test('the hash is made from the NFKC form: full-width digits sign in as ASCII ones', async () => {
        const a = tag();
        const u = await registered(t, { password: `\uff11\uff12\uff13 ${a} key` });
        await login(u.email, `123 ${a} key`).expect(200);
        const stored = await t.get(UserRepository).findById(u.id);
        expect(await argon2Verify(stored!.passwordHash, `123 ${a} key`)).toBe(true);
      });

      test('an account hashed from the password as typed still signs in, and is re-hashed normalised', async () => {
        const email = anEmail('pre-nfkc');
        const a = tag();
        // As stored before passwords were normalised: argon2 of the raw NFD string.
        const legacy = await argon2Hash(decomposed(a), ARGON2_OPTIONS);
        const user = await t
          .get(UserRepository)
          .create({ email, name: 'Legacy', role: 'customer', passwordHash: legacy });
        // a wrong password changes nothing
        await login(email, decomposed(tag())).expect(401);
        expect((await t.get(UserRepository).findById(user!.id))?.passwordHash).toBe(legacy);

        await login(email, decomposed(a)).expect(200);
        const upgraded = (await t.get(UserRepository).findById(user!.id))!.passwordHash;
        expect(upgraded).not.toBe(legacy);
        expect(await argon2Verify(upgraded, composed(a))).toBe(true);
        expect(await argon2Verify(upgraded, decomposed(a))).toBe(false);
        // from now on either keyboard works, and the hash stays put
        await login(email, composed(a)).expect(200);
        await login(email, decomposed(a)).expect(200);
        expect((await t.get(UserRepository).findById(user!.id))?.passwordHash).toBe(upgraded);
      });

      test('an account hashed from the composed form as typed needs no re-hash', async () => {
        const email = anEmail('nfc');
        const a = tag();
        const stored = await argon2Hash(composed(a), ARGON2_OPTIONS);
        const user = await t
          .get(UserRepository)
          .create({ email, name: 'Composed', role: 'customer', passwordHash: stored });
        await login(email, decomposed(a)).expect(200);
        expect((await t.get(UserRepository).findById(user!.id))?.passwordHash).toBe(stored);
      });

      test('register counts the normalised password too: 8 characters sent, 4 once composed → 400', async () => {
        const email = anEmail('short-nfkc');
        const res = await t.http
          .post('/api/v1/auth/register')
          .send({ email, password: 'e\u0301'.repeat(4), name: 'Short' })
          .expect(400);
        expect(res.body.errors).toEqual([
          { field: 'password', message: 'password must be at least 8 characters' },
        ]);
        expect(await t.get(UserRepository).findByEmail(email)).toBeNull();
      });

      test('user:create normalises too: the CLI account signs in from either form', async () => {
        const email = anEmail('cli-nfkc');
        const a = tag();
        await t
          .get(RegistrationService)
          .register({ email, password: decomposed(a), name: 'Cli', role: 'customer' });
        await login(email, composed(a)).expect(200);
      });
    });

    test('a disabled account cannot sign in, refresh or use its live access token', async () => {
      const u = await registered(t);
      // Only the flag: the guard must refuse on it alone, whatever the version.
      await t.get(DataSource).query('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
      const res = await login(u.email, u.password).expect(401);
      expect(res.body.type).toMatch(/auth-account-disabled$/);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
      await t.http.get('/api/v1/me').set(u.auth).expect(401);
    });
  });

  describe('POST /auth/refresh', () => {
    const refresh = (refreshToken: string) =>
      t.http.post('/api/v1/auth/refresh').send({ refreshToken });

    test('→ 200 a new pair whose access token works', async () => {
      const u = await registered(t);
      const res = await refresh(u.refreshToken).expect(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: t.config.jwtAccessTtlSeconds,
      });
      expect(res.body.refreshToken).not.toBe(u.refreshToken);
      const me = await t.http
        .get('/api/v1/me')
        .set('Authorization', `Bearer ${res.body.accessToken}`)
        .expect(200);
      expect(me.body.id).toBe(u.id);
      // rotation continues down the chain
      await refresh(res.body.refreshToken).expect(200);
    });

    test('a spent token presented again → 401, and the token that replaced it dies too', async () => {
      const u = await registered(t);
      const rotation = (await refresh(u.refreshToken).expect(200)).body as {
        accessToken: string;
        refreshToken: string;
      };
      const other = (await login(u.email, u.password).expect(200)).body as {
        accessToken: string;
        refreshToken: string;
      };
      await me(rotation.accessToken).expect(200);
      const replay = await refresh(u.refreshToken).expect(401);
      expect(replay.headers['content-type']).toMatch(PROBLEM);
      await refresh(rotation.refreshToken).expect(401);
      // The session's access tokens end with it, not at their expiry.
      await me(rotation.accessToken).expect(401);
      await me(u.accessToken).expect(401);
      // another session of the same user is untouched
      await me(other.accessToken).expect(200);
      await refresh(other.refreshToken).expect(200);
    });

    test('concurrent refreshes of one token: exactly one 200', async () => {
      const u = await registered(t);
      const replies = await Promise.all(Array.from({ length: 8 }, () => refresh(u.refreshToken)));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(7);
    });

    test('many losers of one race revoke its family together without a 500 (no deadlock)', async () => {
      // Each loser revokes the family; with rows locked in scan order two
      // revocations could meet them in different orders and deadlock.
      for (let round = 0; round < 12; round++) {
        const u = await registered(t);
        // A longer family: more rows for the revocations to lock.
        let token = u.refreshToken as string;
        for (let i = 0; i < 3; i++) token = (await refresh(token).expect(200)).body.refreshToken;
        const replies = await Promise.all(Array.from({ length: 16 }, () => refresh(token)));
        const statuses = replies.map((r) => r.status).sort();
        expect(statuses).toEqual([200, ...Array.from({ length: 15 }, () => 401)]);
      }
    });

    test('a replay racing a refresh of its successor still ends the session for good', async () => {
      const u = await registered(t);
      const successor = (await refresh(u.refreshToken).expect(200)).body.refreshToken as string;
      // Plays the successor's own refresh, caught mid-way: its row is spent
      // and locked, the token it hands out not yet committed.
      const inFlight = new pg.Client({ connectionString: t.db.url });
      await inFlight.connect();
      const next = randomBytes(32).toString('base64url');
      const sha = (token: string) => createHash('sha256').update(token).digest('hex');
      try {
        await inFlight.query('BEGIN');
        const [row] = (
          await inFlight.query(
            `UPDATE refresh_tokens SET spent_at = now() WHERE token_hash = $1
              RETURNING family_id, user_id, expires_at`,
            [sha(successor)],
          )
        ).rows as { family_id: string; user_id: string; expires_at: Date }[];
        const replay = refresh(u.refreshToken).then((r) => r);
        // The replay's family revocation now waits for the successor's row.
        await waitFor(async () => {
          const [w] = await t.db.rows<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return (w?.n ?? 0) > 0 ? true : undefined;
        }, 'the replay to wait for the locked row');
        await inFlight.query(
          `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
           VALUES ($1, $2, $3, $4)`,
          [row!.family_id, row!.user_id, sha(next), row!.expires_at],
        );
        await inFlight.query('COMMIT');
        expect((await replay).status).toBe(401);
      } finally {
        await inFlight.end();
      }
      // The token issued as the family was being revoked is dead as well.
      await refresh(next).expect(401);
    });

    test('a token that outlived its family revocation stays dead once the revoked ones are pruned', async () => {
      const u = await registered(t);
      await refresh(u.refreshToken).expect(200);
      const [family] = await t.db.rows<{ family_id: string }>(
        'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
        [hashOpaqueToken(u.refreshToken)],
      );
      // The state the race above leaves behind: the family revoked, and the
      // token a refresh racing the revocation committed a moment later not.
      await t.db.rows('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1', [
        family!.family_id,
      ]);
      const survivor = randomBytes(32).toString('base64url');
      await t.db.rows(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
         VALUES ($1, $2, $3, now() + interval '30 days')`,
        [family!.family_id, u.id, hashOpaqueToken(survivor)],
      );
      await refresh(survivor).expect(401);
      // A week and a day later the daily clean-up has deleted the revoked tokens.
      clock.offsetMs = (REFRESH_TOKEN_RETENTION_DAYS + 1) * 86_400_000;
      try {
        await t.get(RefreshTokenCleanupService).prune();
        await refresh(survivor).expect(401);
      } finally {
        clock.offsetMs = 0;
      }
    });

    test('an expired refresh token → 401', async () => {
      const u = await registered(t);
      clock.offsetMs = (t.config.jwtRefreshTtlSeconds + 60) * 1000;
      try {
        await refresh(u.refreshToken).expect(401);
      } finally {
        clock.offsetMs = 0;
      }
    });

    test('rotation keeps a session alive only until JWT_REFRESH_MAX_AGE after its sign-in', async () => {
      const DAY_MS = 86_400_000;
      const ttlDays = t.config.jwtRefreshTtlSeconds / 86_400;
      const maxAgeDays = t.config.jwtRefreshMaxAgeSeconds / 86_400;
      expect(maxAgeDays).toBeGreaterThan(2 * ttlDays);
      const u = await registered(t);
      const signedIn = Date.now();
      const storedExpiry = async (token: string) => {
        const [row] = await t.db.rows<{ expires_at: Date; session_ends_at: Date }>(
          'SELECT expires_at, session_ends_at FROM refresh_tokens WHERE token_hash = $1',
          [hashOpaqueToken(token)],
        );
        return row!;
      };
      const first = await storedExpiry(u.refreshToken);
      expect(first.session_ends_at.getTime() - signedIn).toBeGreaterThan(
        maxAgeDays * DAY_MS - 60_000,
      );
      expect(first.session_ends_at.getTime() - signedIn).toBeLessThanOrEqual(maxAgeDays * DAY_MS);
      let token = u.refreshToken;
      try {
        // Each rotation a day before its token would expire, for as long as the session lasts.
        for (let day = ttlDays - 1; day < maxAgeDays; day += ttlDays - 1) {
          clock.offsetMs = day * DAY_MS;
          const expiry = () =>
            Math.min(clock.now().getTime() + ttlDays * DAY_MS, first.session_ends_at.getTime());
          const earliest = expiry();
          token = (await refresh(token).expect(200)).body.refreshToken as string;
          const latest = expiry();
          const rotated = await storedExpiry(token);
          expect(rotated.session_ends_at).toEqual(first.session_ends_at);
          expect(rotated.expires_at.getTime()).toBeGreaterThanOrEqual(earliest);
          expect(rotated.expires_at.getTime()).toBeLessThanOrEqual(latest);
        }
        // The last token expires with the session, not a TTL after its rotation.
        expect((await storedExpiry(token)).expires_at).toEqual(first.session_ends_at);
        clock.offsetMs = first.session_ends_at.getTime() - signedIn + 60_000;
        const ended = await refresh(token).expect(401);
        expect(ended.headers['content-type']).toMatch(PROBLEM);
      } finally {
        clock.offsetMs = 0;
      }
    });

    test('an unknown token → 401; an empty body → 400', async () => {
      await refresh(randomBytes(32).toString('base64url')).expect(401);
      const res = await t.http.post('/api/v1/auth/refresh').send({}).expect(400);
      expect(res.body.errors[0].field).toBe('refreshToken');
    });

    test('an access token, or any other token of up to 4096 characters → 401; a longer one → 400', async () => {
      const u = await registered(t);
      const access = u.accessToken as string;
      expect(access.length).toBeGreaterThan(200);
      for (const wrong of [access, 'x'.repeat(4096)]) {
        const res = await refresh(wrong).expect(401);
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
      const res = await refresh('x'.repeat(4097)).expect(400);
      expect(res.body.errors[0].field).toBe('refreshToken');
      // None of them cost the session its refresh token.
      await refresh(u.refreshToken).expect(200);
    });
  });

  describe('POST /auth/logout', () => {
    test('→ 204; that token and its rotations stop working, other sessions do not', async () => {
      const u = await registered(t);
      const rotation = (
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200)
      ).body as { accessToken: string; refreshToken: string };
      const rotated = rotation.refreshToken;
      const otherSession = (await login(u.email, u.password).expect(200)).body as {
        accessToken: string;
        refreshToken: string;
      };
      const other = otherSession.refreshToken;
      await me(rotation.accessToken).expect(200);

      const res = await t.http
        .post('/api/v1/auth/logout')
        .send({ refreshToken: rotated })
        .expect(204);
      expect(res.text).toBe('');
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: rotated }).expect(401);
      // The session's access tokens stop at once, the first one's too.
      const ended = await me(rotation.accessToken).expect(401);
      expect(ended.headers['content-type']).toMatch(PROBLEM);
      await me(u.accessToken).expect(401);
      await me(otherSession.accessToken).expect(200);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: other }).expect(200);
    });

    test('an access token as refreshToken → 204 and signs nobody out; a token over 4096 characters → 400', async () => {
      const u = await registered(t);
      await t.http.post('/api/v1/auth/logout').send({ refreshToken: u.accessToken }).expect(204);
      await t.http
        .post('/api/v1/auth/logout')
        .send({ refreshToken: 'x'.repeat(4097) })
        .expect(400);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
    });

    test('a logout beside a replay of an older token of its family → 204, not a 500', async () => {
      const u = await registered(t);
      const old = u.refreshToken as string;
      const current = (
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: old }).expect(200)
      ).body.refreshToken as string;
      const tokens = t.get(RefreshTokenRepository);
      // The replay of `old`, as TokenRefreshService runs it, held open so the
      // logout meets it: each holds its own token's row, then locks the family.
      const replay = t.get(DataSource).createQueryRunner();
      await replay.connect();
      try {
        await replay.startTransaction();
        // The logout's wait is then the one PostgreSQL finds the deadlock in.
        await replay.query(`SET LOCAL deadlock_timeout = '60s'`);
        const [{ pid }] = (await replay.query('SELECT pg_backend_pid() AS pid')) as [
          { pid: number },
        ];
        const known = await tokens.lockByHash(hashOpaqueToken(old), replay.manager);
        const logout = t.http
          .post('/api/v1/auth/logout')
          .send({ refreshToken: current })
          .then((r) => r.status);
        await waitFor(
          async () =>
            (
              await t.db.rows(
                'SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
                [pid],
              )
            ).length > 0 || undefined,
          'the logout to wait for the replay',
        );
        await tokens.revokeFamily(known!.familyId, new Date(), replay.manager);
        await replay.commitTransaction();
        expect(await logout).toBe(204);
        await t.http.post('/api/v1/auth/refresh').send({ refreshToken: current }).expect(401);
      } finally {
        if (replay.isTransactionActive) await replay.rollbackTransaction();
        await replay.release();
      }
    });

    test('an unknown or already revoked token → 204 as well', async () => {
      await t.http
        .post('/api/v1/auth/logout')
        .send({ refreshToken: randomBytes(32).toString('base64url') })
        .expect(204);
    });
  });

  describe('GET /me', () => {
    test('→ 200 {id, email, name, role}; without a token → 401', async () => {
      const u = await registered(t);
      const res = await t.http.get('/api/v1/me').set(u.auth).expect(200);
      expect(res.body).toEqual({ id: u.id, email: u.email, name: u.name, role: 'customer' });
      await t.http.get('/api/v1/me').expect(401);
    });
  });

  describe('PATCH /me', () => {
    test('renames the account (trimmed); the next GET /me and sign-in show the new name', async () => {
      const u = await registered(t);
      const res = await t.http
        .patch('/api/v1/me')
        .set(u.auth)
        .send({ name: '  Ada King  ' })
        .expect(200);
      expect(res.body).toEqual({ id: u.id, email: u.email, name: 'Ada King', role: 'customer' });
      expect((await t.http.get('/api/v1/me').set(u.auth).expect(200)).body.name).toBe('Ada King');
      const login = await t.http
        .post('/api/v1/auth/login')
        .send({ email: u.email, password: u.password })
        .expect(200);
      expect(login.body.user.name).toBe('Ada King');
    });

    test.each([
      ['a role', { name: 'Ada', role: 'admin' }],
      ['an e-mail', { name: 'Ada', email: 'other@example.test' }],
      ['no name', {}],
      ['a blank name', { name: '   ' }],
      ['a name of 101 characters', { name: 'x'.repeat(101) }],
      ['a name that is not a string', { name: 42 }],
    ])('a body with %s → 400, nothing changed', async (_, body) => {
      const u = await registered(t);
      const res = await t.http.patch('/api/v1/me').set(u.auth).send(body).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await t.http.get('/api/v1/me').set(u.auth).expect(200)).body).toEqual({
        id: u.id,
        email: u.email,
        name: u.name,
        role: 'customer',
      });
    });

    test('without a token → 401; a disabled account → 401 and is not renamed', async () => {
      await t.http.patch('/api/v1/me').send({ name: 'Nobody' }).expect(401);
      const u = await registered(t);
      await t.get(DataSource).query('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
      await t.http.patch('/api/v1/me').set(u.auth).send({ name: 'Ghost' }).expect(401);
      const [row] = (await t
        .get(DataSource)
        .query('SELECT name FROM users WHERE id = $1', [u.id])) as { name: string }[];
      expect(row!.name).toBe(u.name);
    });
  });

  describe('guest cart merge', () => {
    test('register and login with X-Cart-Token hand the cart to the absorber', async () => {
      const email = anEmail('cart');
      const reg = await t.http
        .post('/api/v1/auth/register')
        .set('X-Cart-Token', 'guest-cart-1')
        .send({ email, password: PASSWORD, name: 'Cart' })
        .expect(201);
      await login(email, PASSWORD).set('X-Cart-Token', 'guest-cart-2').expect(200);
      expect(absorber.calls).toEqual(
        expect.arrayContaining([
          [reg.body.user.id, 'guest-cart-1'],
          [reg.body.user.id, 'guest-cart-2'],
        ]),
      );
    });

    test('a merge that fails does not fail the login', async () => {
      const u = await registered(t);
      const before = absorber.calls.length;
      await login(u.email, u.password).set('X-Cart-Token', 'unmergeable').expect(200);
      expect(absorber.calls.slice(before)).toEqual([[u.id, 'unmergeable']]);
    });

    test('without the header the absorber is not called', async () => {
      const before = absorber.calls.length;
      await registered(t);
      expect(absorber.calls.length).toBe(before);
    });
  });

  test('user:create use case: an admin, through the same registration service', async () => {
    const email = anEmail('admin');
    const { user } = await t
      .get(RegistrationService)
      .register({ email, password: PASSWORD, name: 'Root', role: 'admin' });
    expect(user.role).toBe('admin');
    const res = await login(email, PASSWORD).expect(200);
    const scope = JSON.parse(
      Buffer.from(String(res.body.accessToken).split('.')[1]!, 'base64url').toString(),
    ).scope;
    expect(scope).toContain('catalog:write');
  });

  test('every auth reply carries only the fields its response DTO documents', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as OpenApiDoc;
    const email = anEmail('leak');
    const reg = await t.http
      .post('/api/v1/auth/register')
      .send({ email, password: PASSWORD, name: 'Leak' })
      .expect(201);
    const log = await login(email, PASSWORD).expect(200);
    const ref = await t.http
      .post('/api/v1/auth/refresh')
      .send({ refreshToken: log.body.refreshToken })
      .expect(200);
    const me = await t.http
      .get('/api/v1/me')
      .set('Authorization', `Bearer ${ref.body.accessToken}`)
      .expect(200);
    const replies: [string, string, number, unknown][] = [
      ['/api/v1/auth/register', 'post', 201, reg.body],
      ['/api/v1/auth/login', 'post', 200, log.body],
      ['/api/v1/auth/refresh', 'post', 200, ref.body],
      ['/api/v1/me', 'get', 200, me.body],
    ];
    for (const [path, method, status, body] of replies) {
      expect({
        path,
        extra: undocumentedFields(doc, replySchema(doc, path, method, status), body),
      }).toEqual({
        path,
        extra: [],
      });
    }
    const all = JSON.stringify(replies.map((r) => r[3]));
    for (const secret of [
      'passwordHash',
      'password_hash',
      'tokenHash',
      'disabled',
      'argon2',
      PASSWORD,
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  test('the OpenAPI document: tag auth, operationIds and every auth error status with a problem body', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as OpenApiDoc;
    const expected: [string, string, string, string[]][] = [
      ['/api/v1/auth/register', 'post', 'authRegister', ['201', '400', '409', '429']],
      ['/api/v1/auth/login', 'post', 'authLogin', ['200', '400', '401', '429']],
      ['/api/v1/auth/refresh', 'post', 'authRefresh', ['200', '400', '401']],
      ['/api/v1/auth/logout', 'post', 'authLogout', ['204', '400']],
      ['/api/v1/me', 'get', 'getMe', ['200', '401']],
    ];
    for (const [path, method, operationId, statuses] of expected) {
      const op = doc.paths[path]![method] as {
        tags: string[];
        operationId: string;
        responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
      };
      expect({ path, tags: op.tags, operationId: op.operationId }).toEqual({
        path,
        tags: ['auth'],
        operationId,
      });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(statuses));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(op.responses[status]?.content?.['application/problem+json']?.schema.$ref).toMatch(
          /ProblemDto$/,
        );
      }
    }
    const session = doc.components.schemas.AuthSessionDto as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(session.properties).sort()).toEqual([
      'accessToken',
      'cartMerge',
      'expiresIn',
      'refreshToken',
      'user',
    ]);
    expect((session as { required?: string[] }).required).not.toContain('cartMerge');
  });

  test('login latency and a burst of concurrent logins next to /health/live (measured, printed)', async () => {
    const u = await registered(t);
    const N = 30;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < N; i++) {
      let t0 = performance.now();
      await login(u.email, u.password).expect(200);
      known.push(performance.now() - t0);
      t0 = performance.now();
      await login(anEmail('ghost'), u.password).expect(401);
      unknown.push(performance.now() - t0);
    }

    const BURST = 24;
    let burstDone = false;
    const health: number[] = [];
    const healthStatuses: number[] = [];
    const probe = (async () => {
      while (!burstDone) {
        const t0 = performance.now();
        const res = await t.http.get('/health/live');
        health.push(performance.now() - t0);
        healthStatuses.push(res.status);
      }
    })();
    const t0 = performance.now();
    const burst = await Promise.all(
      Array.from({ length: BURST }, () => login(u.email, u.password)),
    );
    const burstMs = performance.now() - t0;
    burstDone = true;
    await probe;

    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(health.length).toBeGreaterThan(0);
    expect(healthStatuses.every((s) => s === 200)).toBe(true);
    process.stdout.write(
      [
        `\n[auth] argon2id m=${ARGON2_OPTIONS.memoryCost} KiB t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}`,
        `[auth] login over HTTP, ${N} sequential: p50 ${percentile(known, 50).toFixed(1)} ms, p90 ${percentile(known, 90).toFixed(1)} ms`,
        `[auth] unknown e-mail login, ${N} sequential: p50 ${percentile(unknown, 50).toFixed(1)} ms`,
        `[auth] burst of ${BURST} concurrent logins: ${burstMs.toFixed(0)} ms in all; /health/live during it: ${health.length} probes, p50 ${percentile(health, 50).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms\n`,
      ].join('\n'),
    );
  });
});

function throttlingTests(storage: 'memory' | 'redis', redisUrl: string) {
  describe(`login throttling (${storage} storage)`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: {
          LOGIN_RATE_LIMIT: '3',
          LOGIN_RATE_LIMIT_IP: '5',
          LOGIN_RATE_WINDOW: '60',
          REDIS_URL: redisUrl,
        },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    const loginFrom = (ip: string, email: string, password: string) =>
      t.http.post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

    test(`counts in ${storage}`, () => {
      expect((t.get(LoginRateLimiter) as FlexibleLoginRateLimiter).storage).toBe(storage);
    });

    test('per e-mail: the 4th attempt within the window → 429 with Retry-After, even from new IPs', async () => {
      const u = await registered(t);
      for (let i = 0; i < 3; i++) {
        await t.http
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', anIp())
          .send({ email: u.email, password: 'wrong password!' })
          .expect(401);
      }
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', anIp())
        .send({ email: u.email.toUpperCase(), password: u.password })
        .expect(429);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.body).toMatchObject({
        status: 429,
        type: 'https://minishop.dev/problems/rate-limited',
      });
      // another account is not affected
      const other = await registered(t);
      await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', anIp())
        .send({ email: other.email, password: other.password })
        .expect(200);
    });

    test('an address that signed in to the account is counted on its own: others spending the account budget do not keep it out', async () => {
      const u = await registered(t);
      const home = anIp();
      // The first sign-in from home is one of the account's 3.
      const login = (ip: string, password: string) => loginFrom(ip, u.email, password);
      await login(home, u.password).expect(200);
      // A stranger spends the rest, and is refused from anywhere new.
      await login(anIp(), 'wrong password!').expect(401);
      await login(anIp(), 'wrong password!').expect(401);
      await login(anIp(), 'wrong password!').expect(429);
      await login(anIp(), u.password).expect(429);
      // Home has a budget of its own for this account, 3 per window too.
      // (Home's 5th attempt: its per-IP limit of 5 still lets it through,
      // so the 429 is the account's budget for home.)
      await login(home, u.password).expect(200);
      await login(home, 'wrong password!').expect(401);
      await login(home, 'wrong password!').expect(401);
      const res = await login(home, u.password).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });

    test('the address an account registered from is a known one', async () => {
      const home = anIp();
      const email = anEmail('newcomer');
      const password = 'registered at home';
      await t.http
        .post('/api/v1/auth/register')
        .set('X-Forwarded-For', home)
        .send({ email, password, name: 'Newcomer' })
        .expect(201);
      for (let i = 0; i < 3; i++) await loginFrom(anIp(), email, 'wrong password!').expect(401);
      await loginFrom(anIp(), email, password).expect(429);
      await loginFrom(home, email, password).expect(200);
    });

    test('a failed attempt does not make its address a known one', async () => {
      const u = await registered(t);
      const somewhere = anIp();
      const login = (ip: string, password: string) => loginFrom(ip, u.email, password);
      await login(somewhere, 'wrong password!').expect(401);
      await login(anIp(), 'wrong password!').expect(401);
      await login(anIp(), 'wrong password!').expect(401);
      // Still counted with every other new address: the account's budget is spent.
      await login(somewhere, u.password).expect(429);
    });

    test(`an account remembers at most ${KNOWN_ADDRESSES_PER_ACCOUNT} new addresses per period, and only its own`, async () => {
      const limiter = t.get(LoginRateLimiter);
      const email = anEmail('many-homes');
      const homes = Array.from({ length: KNOWN_ADDRESSES_PER_ACCOUNT + 1 }, () => anIp());
      for (const ip of homes) await limiter.signedIn({ ip, email });
      // Another account's known address is nothing to this one.
      const elsewhere = anIp();
      await limiter.signedIn({ ip: elsewhere, email: anEmail('other') });
      // The account's budget (3) spent from new addresses...
      for (let i = 0; i < 3; i++) expect(await limiter.consume({ ip: anIp(), email })).toBeNull();
      // ...refuses the one past the allowance and the other account's, not the first ten.
      expect(await limiter.consume({ ip: homes.at(-1)!, email })).not.toBeNull();
      expect(await limiter.consume({ ip: elsewhere, email })).not.toBeNull();
      for (const ip of homes.slice(0, -1)) expect(await limiter.consume({ ip, email })).toBeNull();
    });

    test('a password change forgets the addresses that signed in but the one it was made from: the old home counts with strangers', async () => {
      const u = await registered(t);
      const home = anIp();
      const desk = anIp();
      const login = (ip: string, password: string) => loginFrom(ip, u.email, password);
      await login(home, u.password).expect(200);
      const session = await login(desk, u.password).expect(200);
      const newPassword = 'a brand new password';
      await t.http
        .post('/api/v1/me/password')
        .set('X-Forwarded-For', desk)
        .set('Authorization', `Bearer ${(session.body as { accessToken: string }).accessToken}`)
        .send({ currentPassword: u.password, newPassword })
        .expect(200);
      // Home's and the desk's first sign-ins were two of the account's 3;
      // a stranger spends the last, and home is one of them now...
      await login(anIp(), 'wrong password!').expect(401);
      await login(home, newPassword).expect(429);
      // ...while the desk, which proved the password, keeps a budget of its own.
      await login(desk, newPassword).expect(200);
    });

    test('a disable forgets the addresses that signed in; enabling gives none back', async () => {
      const u = await registered(t);
      const home = anIp();
      const login = (ip: string, password: string) => loginFrom(ip, u.email, password);
      await login(home, u.password).expect(200);
      const status = t.get(AccountStatusService);
      await status.change(u.id, true, 'cli');
      await status.change(u.id, false, 'cli');
      await login(anIp(), 'wrong password!').expect(401);
      await login(anIp(), 'wrong password!').expect(401);
      await login(home, u.password).expect(429);
    });

    test('forgetting gives an account back its allowance of new addresses; a later sign-in is known again', async () => {
      const limiter = t.get(LoginRateLimiter);
      const email = anEmail('moved-house');
      const homes = Array.from({ length: KNOWN_ADDRESSES_PER_ACCOUNT }, () => anIp());
      for (const ip of homes) await limiter.signedIn({ ip, email });
      const next = anIp();
      await limiter.forgetAddresses(email);
      await limiter.signedIn({ ip: next, email });
      for (let i = 0; i < 3; i++) expect(await limiter.consume({ ip: anIp(), email })).toBeNull();
      // The budget is spent: an old home is refused, the one since is not.
      expect(await limiter.consume({ ip: homes[0]!, email })).not.toBeNull();
      expect(await limiter.consume({ ip: next, email })).toBeNull();
    });

    test('per IP: the 6th attempt from one address → 429, whatever the e-mails', async () => {
      const ip = anIp();
      for (let i = 0; i < 5; i++) {
        await t.http
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', ip)
          .send({ email: anEmail('spray'), password: 'guess guess guess' })
          .expect(401);
      }
      const res = await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: anEmail('spray'), password: 'guess guess guess' })
        .expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });

    if (storage === 'redis') {
      test('the counters live in Redis, shared by every API process', async () => {
        const email = anEmail('shared');
        await t.http
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', anIp())
          .send({ email, password: 'whatever it is' })
          .expect(401);
        const redis = new Redis(redisUrl);
        try {
          // Keys are scoped to this shop's database: minishop:login:<shop>:email:<email>
          const keys = await redis.keys(`minishop:login:*:email:${email}`);
          expect(keys).toHaveLength(1);
          expect(await redis.get(keys[0]!)).toBe('1');
        } finally {
          await redis.quit();
        }
      });

      test("an account's forgetting epoch never expires, and is raised in Redis even while logins skip it", async () => {
        const limiter = t.get(LoginRateLimiter) as FlexibleLoginRateLimiter;
        const email = anEmail('epoch');
        await limiter.forgetAddresses(email);
        // As just after a Redis failure: logins count in memory for a while.
        (limiter as unknown as { storeRetryAt: number }).storeRetryAt = Date.now() + 60_000;
        try {
          await limiter.forgetAddresses(email.toUpperCase());
        } finally {
          (limiter as unknown as { storeRetryAt: number }).storeRetryAt = 0;
        }
        const redis = new Redis(redisUrl);
        try {
          const keys = await redis.keys(`minishop:login:*:epoch:${email}`);
          expect(keys).toHaveLength(1);
          expect(await redis.get(keys[0]!)).toBe('2');
          // Counted up again from 0 after expiring, it would revive old marks.
          expect(await redis.ttl(keys[0]!)).toBe(-1);
          await redis.del(...keys);
        } finally {
          await redis.quit();
        }
      });

      test('a sign-in is remembered in Redis for LOGIN_KNOWN_IP_DAYS (14 by default)', async () => {
        const u = await registered(t);
        const ip = anIp();
        await t.http
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', ip)
          .send({ email: u.email, password: u.password })
          .expect(200);
        const redis = new Redis(redisUrl);
        // Keys are JSON pairs, whose brackets are glob characters to KEYS.
        const glob = (text: string) => text.replace(/[[\]*?\\]/g, '\\$&');
        const keys = await redis.keys(
          `minishop:login:*:known:${glob(JSON.stringify([ip, u.email]))}`,
        );
        try {
          expect(keys).toHaveLength(1);
          const ttl = await redis.ttl(keys[0]!);
          expect(ttl).toBeGreaterThan(14 * 86_400 - 60);
          expect(ttl).toBeLessThanOrEqual(14 * 86_400);
        } finally {
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        }
      });
    }
  });
}

throttlingTests('memory', '');

function registrationLimitTests(storage: 'memory' | 'redis', redisUrl: string) {
  describe(`registration limit (${storage} storage)`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        env: { REGISTER_RATE_LIMIT_IP: '3', REGISTER_RATE_WINDOW: '600', REDIS_URL: redisUrl },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    const registerFrom = (ip: string, email = anEmail('signup')) =>
      t.http
        .post('/api/v1/auth/register')
        .set('X-Forwarded-For', ip)
        .send({ email, password: PASSWORD, name: 'Signup' });

    test('the 4th registration from one address → 429 with Retry-After; nothing hashed or written', async () => {
      const ip = anIp();
      const taken = anEmail('taken');
      await registerFrom(ip, taken).expect(201);
      for (let i = 0; i < 2; i++) await registerFrom(ip).expect(201);
      const hash = jest.spyOn(t.get(PasswordHasher), 'hash');
      const refused = anEmail('refused');
      try {
        const res = await registerFrom(ip, refused).expect(429);
        expect(res.headers['content-type']).toMatch(PROBLEM);
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(600);
        expect(res.body).toMatchObject({
          status: 429,
          type: 'https://minishop.dev/problems/rate-limited',
          detail: expect.stringMatching(/registrations/),
        });
        expect(hash).not.toHaveBeenCalled();
      } finally {
        hash.mockRestore();
      }
      expect(await t.get(UserRepository).findByEmail(refused)).toBeNull();
      // Refused before the e-mail is even looked up.
      await registerFrom(ip, taken).expect(429);
    });

    test('other addresses are not affected, nor the logins of the refused one', async () => {
      const ip = anIp();
      const first = anEmail('first');
      await registerFrom(ip, first).expect(201);
      for (let i = 0; i < 2; i++) await registerFrom(ip).expect(201);
      await registerFrom(ip).expect(429);
      await registerFrom(anIp()).expect(201);
      await t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ email: first, password: PASSWORD })
        .expect(200);
    });

    if (storage === 'redis') {
      test('the counters live in Redis, shared by every API process', async () => {
        const ip = anIp();
        await registerFrom(ip).expect(201);
        const redis = new Redis(redisUrl);
        try {
          const keys = await redis.keys(`minishop:login:*:register:${ip}`);
          expect(keys).toHaveLength(1);
          expect(await redis.get(keys[0]!)).toBe('1');
          const ttl = await redis.ttl(keys[0]!);
          expect(ttl).toBeGreaterThan(0);
          expect(ttl).toBeLessThanOrEqual(600);
        } finally {
          await redis.quit();
        }
      });
    }
  });
}

registrationLimitTests('memory', '');

describe('login throttling with Redis configured but unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_RATE_LIMIT: '2', REGISTER_RATE_LIMIT_IP: '2', REDIS_URL: 'redis://127.0.0.1:1' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('logins still work and the limit still holds, counted in memory', async () => {
    const u = await registered(t);
    const attempt = () =>
      t.http
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', anIp())
        .send({ email: u.email, password: u.password });
    await attempt().expect(200);
    await attempt().expect(200);
    await attempt().expect(429);
  });

  test('registrations still work and their limit still holds, counted in memory', async () => {
    const ip = anIp();
    const register = () =>
      t.http
        .post('/api/v1/auth/register')
        .set('X-Forwarded-For', ip)
        .send({ email: anEmail('offline'), password: PASSWORD, name: 'Offline' });
    await register().expect(201);
    await register().expect(201);
    await register().expect(429);
  });
});

const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  throttlingTests('redis', redisUrl);
  registrationLimitTests('redis', redisUrl);
} else {
  process.stderr.write(
    '\n[auth] REDIS_URL is not set: the Redis-backed login throttling tests are SKIPPED\n',
  );
  describe.skip('login throttling (redis storage): SKIPPED, REDIS_URL not set', () => {
    test('needs REDIS_URL', () => undefined);
  });
}
