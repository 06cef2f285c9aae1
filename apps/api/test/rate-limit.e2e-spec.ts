import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';

import { CategoryTreeService } from '../src/catalog/category-tree.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';

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
});
