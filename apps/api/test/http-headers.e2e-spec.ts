import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { API } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin } from './support/users.js';

const SHOP = 'https://shop.example';

describe('security headers and CORS on every reply', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${SHOP},https://admin.shop.example` } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('JSON replies carry the REST set: no page may be built from them', async () => {
    for (const res of [
      await t.http.get(`${API}/products`).expect(200),
      await t.http.get(`${API}/orders`).expect(401),
      await t.http.get('/health/live').expect(200),
      await t.http.get(`${API}/no-such-route`).expect(404),
    ]) {
      expect(res.headers).toMatchObject({
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test('the Swagger UI page gets a policy that lets it run', async () => {
    const res = await t.http.get('/docs').redirects(1).expect(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data: validator.swagger.io");
  });

  test('a URL rejected by the router → problem reply with the security and CORS headers', async () => {
    for (const [path, status] of [
      [`${API}/products/%E0%A4%A`, 400],
      [`${API}/products/%zz`, 400],
      [`${API}/products/${'a'.repeat(201)}`, 414],
    ] as const) {
      const res = await t.http.get(path).set('Origin', SHOP);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status, instance: path });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    }
  });

  test('a preflight from a storefront origin allows every method and header the API uses', async () => {
    const res = await t.http
      .options(`${API}/cart/items/${'0'.repeat(8)}`)
      .set({
        Origin: SHOP,
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'authorization, content-type, x-cart-token',
        'X-Request-Id': 'preflight-1',
      })
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    const methods = String(res.headers['access-control-allow-methods']).split(/,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    for (const header of ['authorization', 'content-type', 'x-cart-token', 'idempotency-key'])
      expect(allowed).toContain(header);
    expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers).toMatchObject({
      'x-request-id': 'preflight-1',
      'x-content-type-options': 'nosniff',
      vary: 'Origin',
    });
  });

  test('another origin gets no Allow-Origin, on preflights and on replies', async () => {
    const preflight = await t.http
      .options(`${API}/cart/items`)
      .set({ Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' })
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    const reply = await t.http
      .get(`${API}/products`)
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    expect(reply.headers.vary).toContain('Origin');
  });

  test('an allowed origin reads the exposed headers of a reply', async () => {
    const res = await t.http.get(`${API}/products`).set('Origin', SHOP).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
    for (const header of ['x-request-id', 'etag', 'retry-after', 'location'])
      expect(exposed).toContain(header);
  });

  test('replies that depend on the caller carry Cache-Control: no-store, problems included', async () => {
    const customer = await aCustomer(t);
    const admin = await anAdmin(t);
    const replies = [
      await t.http.post(`${API}/cart`).expect(201),
      await t.http.get(`${API}/cart`).set(customer.auth).expect(200),
      await t.http.get(`${API}/orders`).set(customer.auth).expect(200),
      await t.http.get(`${API}/me`).set(customer.auth).expect(200),
      await t.http.get(`${API}/admin/orders`).set(admin.auth).expect(200),
      await t.http
        .post(`${API}/auth/register`)
        .send({
          email: `cc-${randomUUID()}@example.test`,
          password: 'correct horse battery',
          name: 'C',
        })
        .expect(201),
      await t.http
        .post(`${API}/auth/refresh`)
        .send({ refreshToken: 'x'.repeat(43) })
        .expect(401),
      await t.http.get(`${API}/orders/${randomUUID()}`).set(customer.auth).expect(404),
      await t.http.get(`${API}/admin/orders`).set(customer.auth).expect(403),
      await t.http.get(`${API}/orders`).expect(401),
    ];
    for (const res of replies) expect(res.headers['cache-control']).toBe('no-store');
  });

  test('public catalog reads keep their own caching headers, first read and hit alike', async () => {
    const maxAge = `public, max-age=${t.config.catalogListTtlSeconds}`;
    for (const path of ['/products?limit=2', '/categories']) {
      // The first goes through Nest; the second is a cache hit answered before it.
      for (let i = 0; i < 2; i++) {
        const res = await t.http.get(`${API}${path}`).expect(200);
        expect(res.headers['cache-control']).toBe(maxAge);
        expect(res.headers.etag).toEqual(expect.any(String));
      }
    }
  });

  test('an OPTIONS that is no preflight is routed like any request (404 problem)', async () => {
    const res = await t.http.options(`${API}/products`).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
