import { createHmac, randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Controller, Get } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { AuthenticatedUser } from '../src/auth/authenticated-user.js';
import {
  Authenticated,
  CurrentUser,
  OptionalAuth,
  Scopes,
} from '../src/auth/decorators/auth.decorators.js';
import { Clock } from '../src/infrastructure/clock/clock.js';
import { eventually } from './support/processes.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin } from './support/users.js';

@Controller('guard-probe')
class GuardProbeController {
  @Get('me')
  @Authenticated()
  me(@CurrentUser() user: AuthenticatedUser) {
    return { id: user.id, role: user.role, scopes: user.scopes };
  }

  @Get('admin')
  @Scopes('catalog:write')
  admin() {
    return { ok: true };
  }

  @Get('maybe')
  @OptionalAuth()
  maybe(@CurrentUser() user: AuthenticatedUser | undefined) {
    return { user: user?.id ?? null };
  }
}

class ShiftedClock extends Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An Authorization header with `payload` signed as the app signs its tokens. */
function signedHs256(payload: object, secret: string): string {
  const h = b64({ alg: 'HS256', typ: 'JWT' });
  const p = b64(payload);
  const sig = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `Bearer ${h}.${p}.${sig}`;
}

describe('auth guard chain', () => {
  let t: TestApp;
  const clock = new ShiftedClock();

  beforeAll(async () => {
    t = await startTestApp({
      // The account check in memory, as the API runs it by default.
      env: { ACCOUNT_CACHE_SECONDS: '60' },
      controllers: [GuardProbeController],
      override: (b) => b.overrideProvider(Clock).useValue(clock),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Whether `path` with these headers answers `status` within the polling bound. */
  const statusBecomes = (auth: Record<string, string>, path: string, status: number) =>
    eventually(async () => (await t.http.get(path).set(auth)).status === status);

  test('a valid token passes and the user id reaches the handler', async () => {
    const u = await aCustomer(t);
    const res = await t.http.get('/api/v1/guard-probe/me').set(u.auth).expect(200);
    expect(res.body).toEqual({
      id: u.id,
      role: 'customer',
      scopes: ['cart:write', 'orders:read', 'orders:write'],
    });
  });

  test('no token → 401 problem with WWW-Authenticate', async () => {
    const res = await t.http.get('/api/v1/guard-probe/me').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  test('tampered signature → 401', async () => {
    const u = await aCustomer(t);
    const [h, p] = u.accessToken.split('.');
    const forged = b64({
      ...JSON.parse(Buffer.from(p!, 'base64url').toString()),
      role: 'admin',
      scope: 'catalog:write',
    });
    await t.http
      .get('/api/v1/guard-probe/me')
      .set('Authorization', `Bearer ${h}.${forged}.${u.accessToken.split('.')[2]}`)
      .expect(401);
  });

  test('alg none → 401', async () => {
    const u = await aCustomer(t);
    const payload = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString());
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    await t.http.get('/api/v1/guard-probe/me').set('Authorization', `Bearer ${none}`).expect(401);
  });

  test('token signed with another secret → 401', async () => {
    const u = await aCustomer(t);
    const [h, p] = u.accessToken.split('.');
    const sig = createHmac('sha256', 'another-secret-another-secret-another')
      .update(`${h}.${p}`)
      .digest('base64url');
    await t.http
      .get('/api/v1/guard-probe/me')
      .set('Authorization', `Bearer ${h}.${p}.${sig}`)
      .expect(401);
  });

  test('HS512 token with the right secret → 401 (algorithm pinned)', async () => {
    const u = await aCustomer(t);
    const payload = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString());
    const h = b64({ alg: 'HS512', typ: 'JWT' });
    const p = b64(payload);
    const sig = createHmac('sha512', t.config.jwtSecret).update(`${h}.${p}`).digest('base64url');
    await t.http
      .get('/api/v1/guard-probe/me')
      .set('Authorization', `Bearer ${h}.${p}.${sig}`)
      .expect(401);
  });

  test('expired token → 401', async () => {
    clock.offsetMs = -(t.config.jwtAccessTtlSeconds + 60) * 1000;
    const u = await aCustomer(t);
    clock.offsetMs = 0;
    await t.http.get('/api/v1/guard-probe/me').set(u.auth).expect(401);
  });

  test('a validly signed token without exp or iat → 401 (no token lives for ever)', async () => {
    const u = await aCustomer(t);
    const claims = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString());
    const sign = (payload: object) => signedHs256(payload, t.config.jwtSecret);
    // the same claims as issued still pass, so only the missing claim decides
    await t.http.get('/api/v1/guard-probe/me').set('Authorization', sign(claims)).expect(200);
    const { exp: _exp, ...withoutExp } = claims;
    const { iat: _iat, ...withoutIat } = claims;
    for (const payload of [withoutExp, withoutIat, { ...claims, exp: String(claims.exp) }]) {
      await t.http.get('/api/v1/guard-probe/me').set('Authorization', sign(payload)).expect(401);
    }
  });

  test('a validly signed token whose subject is no account id → 401; one in upper case is the same account', async () => {
    const u = await aCustomer(t);
    const claims = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString());
    const sign = (payload: object) => signedHs256(payload, t.config.jwtSecret);
    // The account lookup cast these to uuid and failed as a 500.
    for (const sub of ['not-a-uuid', '', `${u.id}x`, 42]) {
      const res = await t.http
        .get('/api/v1/guard-probe/me')
        .set('Authorization', sign({ ...claims, sub }));
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const upper = await t.http
      .get('/api/v1/guard-probe/me')
      .set('Authorization', sign({ ...claims, sub: u.id.toUpperCase() }))
      .expect(200);
    expect(upper.body.id).toBe(u.id);
  });

  test('a validly signed token whose session is no session id → 401, not a 500', async () => {
    const u = await aCustomer(t);
    const claims = JSON.parse(Buffer.from(u.accessToken.split('.')[1]!, 'base64url').toString());
    const sign = (payload: object) => signedHs256(payload, t.config.jwtSecret);
    // The session lookup would cast these to uuid.
    for (const sid of ['not-a-uuid', '', 42, null]) {
      const res = await t.http
        .get('/api/v1/guard-probe/me')
        .set('Authorization', sign({ ...claims, sid }));
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // A well-formed id of no session: ended, as one whose tokens are all gone.
    await t.http
      .get('/api/v1/guard-probe/me')
      .set('Authorization', sign({ ...claims, sid: randomUUID() }))
      .expect(401);
  });

  test('the Authorization header is the scheme and the token, nothing else', async () => {
    const u = await aCustomer(t);
    const token = u.accessToken;
    // The scheme is case-blind (RFC 9110); the token is one b64token.
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token} `]) {
      await t.http.get('/api/v1/guard-probe/me').set('Authorization', header).expect(200);
    }
    // Anything appended was ignored and the request authenticated.
    for (const header of [
      `Bearer ${token} extra`,
      `Bearer ${token},Bearer ${token}`,
      `xBearer ${token}`,
      `Basic ${token}`,
      `Bearer`,
    ]) {
      const res = await t.http.get('/api/v1/guard-probe/me').set('Authorization', header);
      expect(res.status).toBe(401);
    }
  });

  test('disabled user → 401 with the same live token, once the change commits', async () => {
    const u = await aCustomer(t);
    await t.http.get('/api/v1/guard-probe/me').set(u.auth).expect(200);
    // Only the flag: the guard must refuse on it alone, whatever the version.
    // Written outside the API, it reaches the guard's cached check through
    // the notification sent at commit, not before the next request.
    await t.get(DataSource).query('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
    expect(await statusBecomes(u.auth, '/api/v1/guard-probe/me', 401)).toBe(true);
  });

  test('customer calling an admin route → 403; admin → 200', async () => {
    const c = await aCustomer(t);
    const res = await t.http.get('/api/v1/guard-probe/admin').set(c.auth).expect(403);
    expect(res.body.detail).toContain('catalog:write');
    const a = await anAdmin(t);
    await t.http.get('/api/v1/guard-probe/admin').set(a.auth).expect(200);
  });

  test("a demoted admin's live token loses the admin scopes at once; a promotion grants none", async () => {
    const a = await anAdmin(t);
    await t.http.get('/api/v1/guard-probe/admin').set(a.auth).expect(200);
    await t.db.rows("UPDATE users SET role = 'customer' WHERE id = $1", [a.id]);
    expect(await statusBecomes(a.auth, '/api/v1/guard-probe/admin', 403)).toBe(true);
    const me = await t.http.get('/api/v1/guard-probe/me').set(a.auth).expect(200);
    expect(me.body.scopes).toEqual(['cart:write', 'orders:read', 'orders:write']);
    // the reverse: a customer's token does not gain scopes it was not minted with
    const c = await aCustomer(t);
    await t.http.get('/api/v1/guard-probe/me').set(c.auth).expect(200);
    await t.db.rows("UPDATE users SET role = 'admin' WHERE id = $1", [c.id]);
    expect(
      await eventually(async () => {
        const probe = await t.http.get('/api/v1/guard-probe/me').set(c.auth).expect(200);
        return (probe.body as { role: string }).role === 'admin';
      }),
    ).toBe(true);
    await t.http.get('/api/v1/guard-probe/admin').set(c.auth).expect(403);
  });

  test('optional auth: guest passes as guest, a bad token is still 401', async () => {
    expect((await t.http.get('/api/v1/guard-probe/maybe').expect(200)).body).toEqual({
      user: null,
    });
    await t.http.get('/api/v1/guard-probe/maybe').set('Authorization', 'Bearer nope').expect(401);
    const u = await aCustomer(t);
    expect((await t.http.get('/api/v1/guard-probe/maybe').set(u.auth).expect(200)).body).toEqual({
      user: u.id,
    });
  });

  test('the OpenAPI document names the bearer scheme and required scopes', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body;
    const op = doc.paths['/api/v1/guard-probe/admin'].get;
    expect(op.security).toEqual([{ bearer: ['catalog:write'] }]);
    expect(op['x-required-scopes']).toEqual(['catalog:write']);
  });
});
