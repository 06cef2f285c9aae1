import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';

import { CatalogCache } from '../src/catalog/cache/catalog-cache.js';
import { CategoryTreeService } from '../src/catalog/category-tree.service.js';
import { redisOnlyCatalog } from './support/redis-only-catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  process.stderr.write(
    '\n[tests] rate-limit: hits read from Redis SKIPPED — REDIS_URL is not set\n',
  );
}
const describeWithRedis = redisUrl ? describe : describe.skip;

describe('per-client request rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('GET /categories → 200 with the limit headers until the limit, then 429 problem with Retry-After', async () => {
    // All but the first are cache hits answered at the front door: they
    // draw on the same budget as the requests Fastify routes.
    const nest = jest.spyOn(t.get(CategoryTreeService), 'tree');
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http.get('/api/v1/categories').expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      remaining.push(Number(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    expect(nest).toHaveBeenCalledTimes(1);
    const refused = await t.http.get('/api/v1/categories').expect(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests' });
  });

  test('health probes are never limited', async () => {
    for (let i = 0; i < 8; i++) await t.http.get('/health/live').expect(200);
  });

  test('each client IP has its own budget', async () => {
    await t.http.get('/api/v1/categories').set('X-Forwarded-For', '203.0.113.9').expect(200);
  });

  test('an IPv6 client has one budget for its /64: a new address from it per request is still refused', async () => {
    // One subscriber line holds a whole /64 and may use any address in it.
    const from = (address: string) =>
      t.http.get('/api/v1/categories').set('X-Forwarded-For', address);
    for (let i = 1; i <= 5; i++) await from(`2001:db8:a:b::${i}`).expect(200);
    await from('2001:db8:a:b:ffff:ffff:ffff:ffff').expect(429);
    // The next /64 is another client.
    await from('2001:db8:a:c::1').expect(200);
    // An IPv4 client seen through an IPv6 socket is the IPv4 client.
    for (let i = 0; i < 5; i++) await from('198.51.100.7').expect(200);
    await from('::ffff:198.51.100.7').expect(429);
  });
});

describeWithRedis('per-client request rate limit, catalog hits read from Redis', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_PER_MINUTE: '5', CATALOG_CACHE: 'redis' },
      override: redisOnlyCatalog(redisUrl!).override,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('one charge per request: answered at the door from Redis, missed there and routed, or refused', async () => {
    const nest = jest.spyOn(t.get(CategoryTreeService), 'tree');
    const lookup = jest.spyOn(t.get(CatalogCache), 'lookup');
    const remaining = async () =>
      Number((await t.http.get('/api/v1/categories').expect(200)).headers['x-ratelimit-remaining']);
    const seen = [await remaining(), await remaining()];
    // The second was a hit read from Redis at the door.
    expect(nest).toHaveBeenCalledTimes(1);
    expect(lookup.mock.results.at(-1)?.value).toBeInstanceOf(Promise);
    // Gone from Redis: the door's lookup misses and Nest reloads it.
    await t.get(CatalogCache).invalidate();
    seen.push(await remaining());
    expect(nest).toHaveBeenCalledTimes(2);
    seen.push(await remaining(), await remaining());
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    expect(nest).toHaveBeenCalledTimes(2);
    const refused = await t.http.get('/api/v1/categories').expect(429);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(nest).toHaveBeenCalledTimes(2);
  });
});
