import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { CatalogCache } from '../src/catalog/cache/catalog-cache.js';
import { RedisCatalogCache } from '../src/catalog/cache/redis-catalog-cache.js';
import { API, aProductBody } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, type TestUser } from './support/users.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  process.stderr.write(
    '\n[tests] catalog-redis: SKIPPED — REDIS_URL is not set, the Redis catalog cache was not tested\n',
  );
}
const describeWithRedis = redisUrl ? describe : describe.skip;

describeWithRedis('catalog cache on Redis (REDIS_URL)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({
      env: { CATALOG_CACHE: 'redis', REDIS_URL: redisUrl!, CATALOG_CACHE_TTL_SECONDS: '60' },
    });
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the Redis adapter is the one in use', () => {
    expect(t.get(CatalogCache)).toBeInstanceOf(RedisCatalogCache);
  });

  test('a write then a read returns the new price (list and detail)', async () => {
    const p = (
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Redis Kettle', price: 1000 }))
        .expect(201)
    ).body;
    const listPath = `${API}/products?q=Redis%20Kettle`;
    const first = await t.http.get(listPath).expect(200);
    expect(first.body.items[0].variants[0].price.amount).toBe(1000);
    const again = await t.http
      .get(listPath)
      .set('If-None-Match', String(first.headers.etag))
      .expect(304);
    expect(again.headers.etag).toBe(first.headers.etag);
    await t.http.get(`${API}/products/${p.slug}`).expect(200);

    await t.http
      .patch(`${API}/admin/variants/${p.variants[0].id}`)
      .set(admin.auth)
      .send({ price: { amount: 2222, currency: 'EUR' } })
      .expect(200);
    const list = await t.http.get(listPath).expect(200);
    expect(list.body.items[0].variants[0].price.amount).toBe(2222);
    const detail = await t.http.get(`${API}/products/${p.slug}`).expect(200);
    expect(detail.body.priceRange.min.amount).toBe(2222);
  });

  test('replies are served from Redis until the generation moves on', async () => {
    const p = (
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Shared Cache Mug', price: 1000 }))
        .expect(201)
    ).body;
    const path = `${API}/products/${p.slug}`;
    await t.http.get(path).expect(200);
    const ds = t.get(DataSource);
    await ds.query('UPDATE variants SET price = 3333 WHERE product_id = $1', [p.id]);
    // Changed behind the API's back: still the cached reply.
    expect((await t.http.get(path).expect(200)).body.variants[0].price.amount).toBe(1000);
    await t.get(CatalogCache).invalidate();
    expect((await t.http.get(path).expect(200)).body.variants[0].price.amount).toBe(3333);
  });
});
