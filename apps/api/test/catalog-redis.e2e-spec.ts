import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';

import { CatalogCache } from '../src/catalog/cache/catalog-cache.js';
import { RedisCatalogCache } from '../src/catalog/cache/redis-catalog-cache.js';
import { API, aProductBody } from './support/catalog.js';
import { PausableProxy } from './support/pausable-proxy.js';
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

describeWithRedis('near cache of the Redis adapter (two instances on one Redis)', () => {
  const prefix = `minishop:test-near:${randomBytes(4).toString('hex')}:`;
  const value = { body: '{"page":1}', etag: '"v1"', expiresAt: Date.now() + 60_000 };
  let a: RedisCatalogCache;
  let b: RedisCatalogCache;
  let bSubscriber: Redis;

  /** An adapter as the app builds it: a connection plus one for the channel. */
  function anInstance(): { cache: RedisCatalogCache; subscriber: Redis } {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    const subscriber = redis.duplicate();
    return { cache: new RedisCatalogCache(redis, prefix, subscriber), subscriber };
  }

  /** Polls `check` until it holds; fails after `ms`. */
  async function eventually(check: () => boolean, ms = 3_000): Promise<void> {
    const until = Date.now() + ms;
    while (!check()) {
      if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  beforeAll(async () => {
    a = anInstance().cache;
    ({ cache: b, subscriber: bSubscriber } = anInstance());
    const { generation } = await a.get('page');
    await a.set('page', generation, value, 60);
    // Once its subscription is up, an instance keeps what it reads near.
    await heldNear(a);
  });

  /** The generation in Redis itself: an instance may answer from its near copy until its message arrives. */
  async function storedGeneration(): Promise<number> {
    const reader = new Redis(redisUrl!);
    try {
      return Number(await reader.get(`${prefix}generation`));
    } finally {
      reader.disconnect();
    }
  }

  /** Reads until `cache` holds the entry in memory (its subscription is up by then). */
  const heldNear = (cache: RedisCatalogCache) =>
    eventually(() => {
      void cache.get('page');
      return cache.peek('page') !== undefined;
    });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  test('an entry read from Redis is then held in memory', async () => {
    await heldNear(b);
    expect(b.peek('page')).toEqual(value);
  });

  test('an invalidation on one instance empties the near cache of the other', async () => {
    await a.invalidate();
    // At once on the instance that invalidated, as soon as the message lands on the other.
    expect(a.peek('page')).toBeUndefined();
    await eventually(() => b.peek('page') === undefined);
    expect((await b.get('page')).value).toBeUndefined();
  });

  test('with the generation key gone (FLUSHDB, an eviction), an invalidation still empties both near caches', async () => {
    const { generation } = await a.get('page');
    await a.set('page', generation, value, 60);
    await heldNear(a);
    await heldNear(b);
    const before = await storedGeneration();
    const admin = new Redis(redisUrl!);
    try {
      await admin.del(`${prefix}generation`);
    } finally {
      admin.disconnect();
    }
    await a.invalidate();
    expect(await storedGeneration()).toBeGreaterThan(before);
    expect(a.peek('page')).toBeUndefined();
    await eventually(() => b.peek('page') === undefined);
    expect((await b.get('page')).value).toBeUndefined();
    // And generations go on growing from there.
    const reset = await storedGeneration();
    await a.invalidate();
    expect(await storedGeneration()).toBe(reset + 1);
  });

  test('with the generation key gone, a read never brings back a page stored before a write', async () => {
    const own = `minishop:test-lost-generation:${randomBytes(4).toString('hex')}:`;
    const c = new RedisCatalogCache(new Redis(redisUrl!, { maxRetriesPerRequest: 1 }), own);
    const admin = new Redis(redisUrl!);
    try {
      // The first read of a fresh Redis: the tree as it was then.
      const { generation } = await c.get('categories');
      await c.set('categories', generation, value, 60);
      expect((await c.get('categories')).value).toEqual(value);
      // A write moves the generation on; then the key is lost (evicted).
      await c.invalidate();
      await admin.del(`${own}generation`);
      expect((await c.get('categories')).value).toBeUndefined();
    } finally {
      const keys = await admin.keys(`${own}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
      await c.close();
    }
  });

  test('without a near cache, a page read again is the same object, so it is encoded once', async () => {
    const noNear = new RedisCatalogCache(new Redis(redisUrl!, { maxRetriesPerRequest: 1 }), prefix);
    try {
      const { generation } = await noNear.get('page');
      await a.set('page', generation, value, 60);
      const first = (await noNear.get('page')).value;
      expect(first).toEqual(value);
      expect(noNear.peek('page')).toBeUndefined();
      expect((await noNear.get('page')).value).toBe(first);
      expect((await noNear.lookup('page'))?.value).toBe(first);
      // A new page under the same key is read as it is, never the old object.
      const next = { body: '{"page":2}', etag: '"v2"', expiresAt: Date.now() + 60_000 };
      await a.set('page', generation, next, 60);
      expect((await noNear.get('page')).value).toEqual(next);
      // The same page stored again, with a later expiry: read with that expiry.
      const later = { ...next, expiresAt: next.expiresAt + 5_000 };
      await a.set('page', generation, later, 60);
      expect((await noNear.get('page')).value).toEqual(later);
    } finally {
      await noNear.close();
    }
  });

  test('without a near cache, an answer that there is no page reads back as it was stored', async () => {
    const noNear = new RedisCatalogCache(new Redis(redisUrl!, { maxRetriesPerRequest: 1 }), prefix);
    try {
      const { generation } = await noNear.get('moved');
      const expiresAt = Date.now() + 60_000;
      await a.set('moved', generation, { movedTo: 'new-slug', expiresAt }, 60);
      await a.set('absent', generation, { movedTo: null, expiresAt }, 60);
      expect((await noNear.get('moved')).value).toEqual({ movedTo: 'new-slug', expiresAt });
      expect((await noNear.get('absent')).value).toEqual({ movedTo: null, expiresAt });
    } finally {
      await noNear.close();
    }
  });

  test('an invalidation Redis never got is sent again once it is back, and the near cache returns', async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    const subscriber = redis.duplicate();
    const c = new RedisCatalogCache(redis, prefix, subscriber);
    try {
      const { generation } = await a.get('page');
      await a.set('page', generation, value, 60);
      await heldNear(c);
      await heldNear(b);
      // Its own connection drops just as a write is committed: the
      // invalidation cannot reach Redis, the subscription stays up.
      redis.disconnect();
      await c.invalidate();
      expect(c.peek('page')).toBeUndefined();
      expect((await c.get('page')).value).toBeUndefined();
      await redis.connect();
      // Every instance, not only the one that wrote, stops serving the page
      // written over well before it would expire.
      await eventually(() => b.peek('page') === undefined);
      expect((await b.get('page')).value).toBeUndefined();
      expect((await a.get('page')).value).toBeUndefined();
      // And the instance that wrote keeps pages near again.
      const next = await c.get('page');
      await c.set('page', next.generation, value, 60);
      await heldNear(c);
    } finally {
      await c.close();
    }
  });

  test('closing with an invalidation owed sends it on the way out (a command does not wait for the retry)', async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    const c = new RedisCatalogCache(redis, prefix);
    let closing: Promise<void> | undefined;
    try {
      const { generation } = await a.get('page');
      await a.set('page', generation, value, 60);
      const before = await storedGeneration();
      redis.disconnect();
      await c.invalidate();
      await redis.connect();
      closing = c.close();
      await closing;
      expect(await storedGeneration()).toBeGreaterThan(before);
      await eventually(() => a.peek('page') === undefined);
      expect((await a.get('page')).value).toBeUndefined();
    } finally {
      if (!closing) await c.close();
    }
  });

  test('closing while an invalidation is on its way: one that then fails is still sent on the way out', async () => {
    // Its commands go through a proxy that holds them, as a Redis that has
    // stopped answering does, until the connection is cut.
    const url = new URL(redisUrl!);
    const proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 6379) });
    url.port = String(await proxy.listen());
    const redis = new Redis(url.toString(), { maxRetriesPerRequest: 0, commandTimeout: 300 });
    const c = new RedisCatalogCache(redis, prefix);
    try {
      await redis.ping();
      const before = await storedGeneration();
      proxy.hold();
      const sent = c.invalidate();
      const closing = c.close();
      await sent;
      // Redis ran the held command, but its reply never came in time: the
      // invalidation is owed, and close, which waited for it, sends it again.
      proxy.release();
      await closing;
      expect(await storedGeneration()).toBe(before + 2);
    } finally {
      proxy.release();
      await c.close();
      await proxy.close();
    }
  });

  test('a subscription that silently stops delivering: the next read from Redis empties the near cache', async () => {
    // The subscription runs through a proxy that stops passing messages on
    // while the connection stays up (a connection a NAT forgot, say).
    const url = new URL(redisUrl!);
    const proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 6379) });
    url.port = String(await proxy.listen());
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    const c = new RedisCatalogCache(redis, prefix, new Redis(url.toString()));
    try {
      const { generation } = await a.get('page');
      await a.set('page', generation, value, 60);
      await heldNear(c);
      proxy.hold();
      await a.invalidate();
      // Any read that goes to Redis learns that the catalog moved on.
      await c.get('another page');
      expect(c.peek('page')).toBeUndefined();
      expect((await c.get('page')).value).toBeUndefined();
    } finally {
      proxy.release();
      await c.close();
      await proxy.close();
    }
  });

  test('while its subscription is down, an instance keeps nothing near', async () => {
    const { generation } = await b.get('page');
    await b.set('page', generation, value, 60);
    expect(b.peek('page')).toEqual(value);
    bSubscriber.disconnect(true);
    await eventually(() => b.peek('page') === undefined);
    // Reads still work (from Redis), and the near cache comes back with the subscription.
    expect((await b.get('page')).value).toEqual(value);
    await heldNear(b);
  });
});
