import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { FlexibleLoginRateLimiter } from '../src/auth/throttling/flexible-login-rate-limiter.js';
import { LoginRateLimiter } from '../src/auth/throttling/login-rate-limiter.js';
import { CatalogCache } from '../src/catalog/cache/catalog-cache.js';
import { RedisCatalogCache } from '../src/catalog/cache/redis-catalog-cache.js';
import { API } from './support/catalog.js';
import { aVariant, setPrice } from './support/catalog-fixtures.js';
import { PausableProxy } from './support/pausable-proxy.js';
import { SilentServer } from './support/silent-server.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, registered } from './support/users.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  process.stderr.write(
    '\n[tests] redis-outage: a Redis that stops answering while connected SKIPPED — REDIS_URL is not set\n',
  );
}
const describeWithRedis = redisUrl ? describe : describe.skip;

/** A client address of its own per attempt, so only the per-e-mail limit counts. */
const anIp = () => `10.${[...randomBytes(3)].join('.')}`;

// A request that waited on Redis without a bound would end in the request
// deadline's 503, far beyond the command timeouts set here: every 200 below
// is a request that was not held by the silent Redis.
const REQUEST_TIMEOUT_MS = '10000';

/** What a Redis that no longer answers must not break, whichever way it went silent. */
function keepsServing(app: () => TestApp): void {
  test('GET /products → 200 with the catalog, also once the front door knows the URL', async () => {
    const t = app();
    const variant = await aVariant(t);
    for (let i = 0; i < 2; i++) {
      const res = await t.http.get(`${API}/products?limit=100`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((p: { id: string }) => p.id)).toContain(variant.productId);
    }
  });

  test('reads are served uncached: a price changed behind the cache shows at once', async () => {
    const t = app();
    const variant = await aVariant(t, { price: 1000 });
    const path = `${API}/products/${variant.productId}`;
    expect((await t.http.get(path).expect(200)).body.variants[0].price.amount).toBe(1000);
    await setPrice(t, variant.id, 2000);
    expect((await t.http.get(path).expect(200)).body.variants[0].price.amount).toBe(2000);
  });

  test('login still works, and its limit still holds, counted in this process', async () => {
    const t = app();
    const u = await registered(t);
    const attempt = () =>
      t.http
        .post(`${API}/auth/login`)
        .set('X-Forwarded-For', anIp())
        .send({ email: u.email, password: u.password });
    await attempt().expect(200);
    await attempt().expect(429);
  });

  test('GET /health/ready → 200: the database answers, and Redis is not needed to serve', async () => {
    await app().http.get('/health/ready').expect(200);
  });
}

describe('Redis that accepts connections but never answers', () => {
  let silent: SilentServer;
  let t: TestApp;

  beforeAll(async () => {
    silent = new SilentServer();
    const port = await silent.listen();
    t = await startTestApp({
      env: {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: '200',
        REQUEST_TIMEOUT_MS,
        LOGIN_RATE_LIMIT: '1',
      },
    });
  });
  afterAll(async () => {
    // Closing must not wait on the silent Redis either.
    await t?.close();
    await silent?.close();
  });

  test('the catalog cache and the login limits use it', () => {
    expect(t.get(CatalogCache)).toBeInstanceOf(RedisCatalogCache);
    expect((t.get(LoginRateLimiter) as FlexibleLoginRateLimiter).storage).toBe('redis');
    expect(silent.connections).toBeGreaterThan(0);
  });

  keepsServing(() => t);
});

describeWithRedis('Redis that stops answering while connected (REDIS_URL)', () => {
  /** Between the app and Redis: holds Redis's answers while the connections stay up. */
  let proxy: PausableProxy;
  let t: TestApp;
  let cached: { id: string; productId: string };

  beforeAll(async () => {
    const url = new URL(redisUrl!);
    proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 6379) });
    url.port = String(await proxy.listen());
    t = await startTestApp({
      env: {
        REDIS_URL: url.toString(),
        CATALOG_CACHE_TTL_SECONDS: '60',
        // Longer than the front door waits for Redis (a second here): the
        // door gives up first, then the controller's read meets the timeout.
        REDIS_COMMAND_TIMEOUT_MS: '1500',
        REQUEST_TIMEOUT_MS,
        LOGIN_RATE_LIMIT: '1',
      },
    });
    // A page cached while Redis still answered.
    cached = await aVariant(t, { price: 1000 });
    await t.http.get(`${API}/products/${cached.productId}`).expect(200);
    await t.http.get(`${API}/products/${cached.productId}`).expect(200);
    proxy.hold();
  });
  afterAll(async () => {
    // Still silent: closing must not wait on it either.
    await t?.close();
    await proxy?.close();
  });

  keepsServing(() => t);

  test('a catalog write still succeeds, and reads after it are fresh', async () => {
    const admin = await anAdmin(t);
    // Its invalidation gets no answer: the write is committed all the same,
    // and this instance stops serving the copies it holds.
    await t.http
      .patch(`${API}/admin/variants/${cached.id}`)
      .set(admin.auth)
      .send({ price: { amount: 3000, currency: 'EUR' } })
      .expect(200);
    const res = await t.http.get(`${API}/products/${cached.productId}`).expect(200);
    expect(res.body.variants[0].price.amount).toBe(3000);
  });
});
