import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';

import { createMinishopClient } from './client.js';
import { memorySession } from './session.js';

/**
 * A small HTTP peer that speaks the auth part of the minishop contract
 * (tokens, rotation, 401 on an expired token), so the client's header and
 * refresh handling is tested over a real socket.
 */
let server: Server;
let baseUrl: string;
const seen: { path: string; authorization?: string; cartToken?: string }[] = [];
let validAccess = 'access-1';
let validRefresh = 'refresh-1';
let refreshCalls = 0;

const body = (req: IncomingMessage) =>
  new Promise<Record<string, unknown>>((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data ? (JSON.parse(data) as Record<string, unknown>) : {}));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = req.url ?? '';
    seen.push({
      path,
      authorization: req.headers.authorization,
      cartToken: req.headers['x-cart-token'] as string | undefined,
    });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, {
        'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json',
      });
      res.end(JSON.stringify(payload));
    };
    if (path === '/api/v1/auth/refresh') {
      refreshCalls++;
      const { refreshToken } = await body(req);
      if (refreshToken !== validRefresh) return json(401, { status: 401, title: 'Unauthorized' });
      validAccess = `access-${refreshCalls + 1}`;
      validRefresh = `refresh-${refreshCalls + 1}`;
      return json(200, { accessToken: validAccess, refreshToken: validRefresh, expiresIn: 900 });
    }
    if (path === '/api/v1/auth/register') {
      return json(201, { accessToken: 'access-new', refreshToken: 'refresh-new', expiresIn: 900 });
    }
    if (path === '/api/v1/cart' && req.method === 'POST') {
      return json(201, { cartToken: 'cart-abc', cart: { id: 'c1', lines: [] } });
    }
    if (req.headers.authorization !== `Bearer ${validAccess}`) {
      return json(401, { status: 401, title: 'Unauthorized' });
    }
    if (path === '/api/v1/me/password') {
      validAccess = 'access-after-change';
      validRefresh = 'refresh-after-change';
      return json(200, { accessToken: validAccess, refreshToken: validRefresh, expiresIn: 900 });
    }
    return json(200, { ok: true, echo: await body(req) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  validAccess = 'access-1';
  validRefresh = 'refresh-1';
  refreshCalls = 0;
});

// The generated types know only the routes of the current document; these
// tests drive the middleware, so they call through an untyped view.
type Loose = {
  GET(path: string, init?: object): Promise<{ data?: unknown; response: Response }>;
  POST(path: string, init?: object): Promise<{ data?: unknown; response: Response }>;
};
const loose = (c: ReturnType<typeof createMinishopClient>) => c.api as unknown as Loose;

describe('createMinishopClient', () => {
  test('sends the access token and the cart token it holds', async () => {
    const client = createMinishopClient({
      baseUrl,
      session: memorySession({ accessToken: 'access-1', cartToken: 'cart-1' }),
    });
    const { response } = await loose(client).GET('/api/v1/me');
    expect(response.status).toBe(200);
    expect(seen[0]).toMatchObject({ authorization: 'Bearer access-1', cartToken: 'cart-1' });
  });

  test('remembers the cart token of a new guest cart', async () => {
    const client = createMinishopClient({ baseUrl });
    await loose(client).POST('/api/v1/cart');
    expect(client.session.get().cartToken).toBe('cart-abc');
  });

  test('forgets the guest cart token once sign-in has merged that cart', async () => {
    const client = createMinishopClient({
      baseUrl,
      session: memorySession({ cartToken: 'cart-1' }),
    });
    await loose(client).POST('/api/v1/auth/register', { body: { email: 'a@example.com' } });
    expect(seen[0]).toMatchObject({ path: '/api/v1/auth/register', cartToken: 'cart-1' });
    expect(client.session.get()).toEqual({
      accessToken: 'access-new',
      refreshToken: 'refresh-new',
    });
  });

  test('keeps the new session a password change replies with (every other one ended)', async () => {
    validAccess = 'access-1';
    const client = createMinishopClient({
      baseUrl,
      session: memorySession({ accessToken: 'access-1', refreshToken: 'refresh-1' }),
    });
    const { response } = await loose(client).POST('/api/v1/me/password', {
      body: { currentPassword: 'old', newPassword: 'new' },
    });
    expect(response.status).toBe(200);
    expect(client.session.get()).toEqual({
      accessToken: 'access-after-change',
      refreshToken: 'refresh-after-change',
    });
    await loose(client)
      .GET('/api/v1/me')
      .then(({ response: r }) => expect(r.status).toBe(200));
  });

  test('on 401 refreshes once, retries with the new token and keeps the rotated refresh token', async () => {
    validAccess = 'access-fresh-only';
    validRefresh = 'refresh-1';
    const client = createMinishopClient({
      baseUrl,
      session: memorySession({ accessToken: 'access-expired', refreshToken: 'refresh-1' }),
    });
    const { response, data } = await loose(client).POST('/api/v1/orders', { body: { a: 1 } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ ok: true, echo: { a: 1 } });
    expect(refreshCalls).toBe(1);
    expect(client.session.get()).toMatchObject({
      accessToken: 'access-2',
      refreshToken: 'refresh-2',
    });
    expect(seen.map((s) => s.path)).toEqual([
      '/api/v1/orders',
      '/api/v1/auth/refresh',
      '/api/v1/orders',
    ]);
  });

  test('concurrent 401s share one refresh (a refresh token is single-use)', async () => {
    validAccess = 'not-yet';
    const client = createMinishopClient({
      baseUrl,
      session: memorySession({ accessToken: 'old', refreshToken: 'refresh-1' }),
    });
    const results = await Promise.all([1, 2, 3].map(() => loose(client).GET('/api/v1/me')));
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(refreshCalls).toBe(1);
  });

  test('a failed refresh signs out and returns the original 401', async () => {
    const client = createMinishopClient({
      baseUrl,
      session: memorySession({ accessToken: 'old', refreshToken: 'spent', cartToken: 'keep-me' }),
    });
    const { response } = await loose(client).GET('/api/v1/me');
    expect(response.status).toBe(401);
    expect(client.session.get()).toEqual({ cartToken: 'keep-me' });
  });
});
