import { once } from 'node:events';
import { get as httpGet, type IncomingHttpHeaders, type Server } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Redis } from 'ioredis';

import { CatalogCache } from '../src/catalog/cache/catalog-cache.js';
import { CategoryTreeService } from '../src/catalog/category-tree.service.js';
import { ProductListingService } from '../src/catalog/product-listing.service.js';
import { ProductLookupService } from '../src/catalog/product-lookup.service.js';
import { API, aProductBody } from './support/catalog.js';
import { aVariant, setPrice } from './support/catalog-fixtures.js';
import { headersOf } from './support/http-headers.js';
import { PausableProxy } from './support/pausable-proxy.js';
import { eventually } from './support/processes.js';
import { listeningPort, stopListening } from './support/raw-http.js';
import { redisOnlyCatalog } from './support/redis-only-catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, type TestUser } from './support/users.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  process.stderr.write(
    '\n[tests] catalog-fast-path: Redis-only hits SKIPPED — REDIS_URL is not set\n',
  );
}
const describeWithRedis = redisUrl ? describe : describe.skip;

/** A GET over a plain socket: the reply's bytes exactly as the server sent them. */
async function rawGet(t: TestApp, path: string, headers: Record<string, string>) {
  const port = await listeningPort(t.app.getHttpServer() as Server);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      httpGet({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      }).on('error', reject);
    },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The seconds of a public page's `Cache-Control: max-age`; NaN for any other value. */
function maxAgeIn(cacheControl: unknown): number {
  return Number(/^public, max-age=(\d+)$/.exec(String(cacheControl ?? ''))?.[1]);
}

/**
 * A page cached 2 s ago, sent from the front door and through Nest (a URL
 * the door does not know, for the same cache entry): both say a max-age 2 s
 * short of the TTL (60 s), 304 included, so that no cache downstream keeps
 * the page past the server's own copy. The category tree, cached 300 s, says
 * the full max-age: it is never more than the route's.
 */
async function expectMaxAgeFalls(
  get: (path: string, headers?: Record<string, string>) => ReturnType<TestApp['http']['get']>,
  nestCalls: () => number,
  name: string,
): Promise<void> {
  const maxAge = (res: { headers: Record<string, string> }) =>
    maxAgeIn(res.headers['cache-control']);
  const [door, nest] = [`/products?q=${name}&sort=name`, `/products?sort=name&q=${name}`];
  const began = Date.now();
  const loaded = await get(door).expect(200);
  expect(maxAge(loaded)).toBe(60);
  // A hit at the door, so that its reply is remembered before the page ages.
  expect(maxAge(await get(door).expect(200))).toBe(60);
  await get('/categories').expect(200);
  await sleep(2_100);
  const before = nestCalls();
  const viaDoor = await get(door).expect(200);
  expect(nestCalls()).toBe(before);
  const viaNest = await get(nest).expect(200);
  expect(nestCalls()).toBe(before + 1);
  const notModified = await get(door, { 'If-None-Match': loaded.headers.etag as string }).expect(
    304,
  );
  expect(viaNest.text).toBe(loaded.text);
  // Aged by the time since the page was stored, however long that took.
  const oldest = 60 - Math.ceil((Date.now() - began) / 1000);
  for (const res of [viaDoor, viaNest, notModified]) {
    expect(maxAge(res)).toBeLessThanOrEqual(58);
    expect(maxAge(res)).toBeGreaterThanOrEqual(oldest);
  }
  expect(maxAge(await get('/categories').expect(200))).toBe(60);
}

/**
 * The replies' headers are the same (see headersOf), a page's max-age to
 * within a second: two replies a moment apart may fall either side of one.
 */
function expectSameHeaders(
  a: { headers: Record<string, unknown> },
  b: { headers: Record<string, unknown> },
): void {
  const { 'cache-control': ofA, ...restOfA } = headersOf(a);
  const { 'cache-control': ofB, ...restOfB } = headersOf(b);
  expect(restOfA).toEqual(restOfB);
  expect(Math.abs(maxAgeIn(ofA) - maxAgeIn(ofB))).toBeLessThanOrEqual(1);
}

/** Counts requests that reached the catalog controller, i.e. went through Nest. */
function nestCallsOf(t: TestApp): () => number {
  const spies = [
    jest.spyOn(t.get(ProductListingService), 'page'),
    jest.spyOn(t.get(ProductLookupService), 'published'),
    jest.spyOn(t.get(CategoryTreeService), 'tree'),
  ];
  return () => spies.reduce((n, s) => n + s.mock.calls.length, 0);
}

/**
 * Three hits of GET /categories (made a hit by a first request) are each
 * counted in the HTTP metrics under the route template, none through Nest.
 */
async function expectHitsCounted(
  t: TestApp,
  getCategories: () => ReturnType<TestApp['http']['get']>,
  nestCalls: () => number,
): Promise<void> {
  const series =
    'http_request_duration_seconds_count{method="GET",route="/api/v1/categories",status="200"}';
  const count = async () => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(series));
    return Number(line?.split(' ')[1] ?? 0);
  };
  await getCategories().expect(200);
  const before = await count();
  const nestBefore = nestCalls();
  for (let i = 0; i < 3; i++) await getCategories().expect(200);
  expect(nestCalls()).toBe(nestBefore);
  expect(await count()).toBe(before + 3);
}

describe('catalog cache hits served before the Nest pipeline', () => {
  let t: TestApp;
  let admin: TestUser;
  let nestCalls: () => number;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        CATALOG_CACHE: 'memory',
        CATALOG_CACHE_TTL_SECONDS: '60',
        CORS_ORIGINS: 'https://shop.example',
      },
    });
    admin = await anAdmin(t);
    nestCalls = nestCallsOf(t);
  });
  afterAll(async () => {
    // rawGet made the server listen itself: Nest's close does not know of it.
    await stopListening(t?.app.getHttpServer() as Server | undefined);
    await t?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    t.http
      .get(`${API}${path}`)
      .set({ Origin: 'https://shop.example', 'X-Request-Id': 'fast-path-test', ...headers });

  test('a hit has the same status, body and headers as the Nest reply, 304 included', async () => {
    const p = (
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Fast Lamp' }))
        .expect(201)
    ).body as { slug: string };
    for (const path of ['/products?limit=3&sort=name', `/products/${p.slug}`, '/categories']) {
      const before = nestCalls();
      const viaNest = await get(path).expect(200);
      expect(nestCalls()).toBe(before + 1);
      const viaHook = await get(path).expect(200);
      expect(nestCalls()).toBe(before + 1);
      expect(viaHook.text).toBe(viaNest.text);
      expectSameHeaders(viaHook, viaNest);
      // The security, CORS and request-id headers are really there on both.
      expect(viaHook.headers).toMatchObject({
        'x-request-id': 'fast-path-test',
        'access-control-allow-origin': 'https://shop.example',
        'x-content-type-options': 'nosniff',
        'cache-control': expect.stringMatching(/^public, max-age=(59|60)$/),
      });
      const etag = viaNest.headers.etag as string;
      const notModified = await get(path, { 'If-None-Match': etag }).expect(304);
      expect(notModified.text ?? '').toBe('');
      expect(notModified.headers.etag).toBe(etag);
      expect(nestCalls()).toBe(before + 1);
    }
  });

  test('a caller that accepts br or gzip gets the same page compressed, with its own ETag', async () => {
    for (const name of ['Zip Lamp', 'Zip Kettle', 'Zip Mug', 'Zip Vase', 'Zip Jug', 'Zip Cup'])
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name }))
        .expect(201);
    const path = '/products?q=Zip&limit=20';
    const plain = await get(path, { 'Accept-Encoding': 'identity' }).expect(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    // Big enough to be worth compressing (tiny replies are sent as they are).
    expect(plain.text.length).toBeGreaterThan(2_000);
    for (const [accept, coding] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
    ] as const) {
      // Twice: through Nest (or already cached), then from the fast path.
      for (let i = 0; i < 2; i++) {
        // The bytes as sent (supertest would inflate them).
        const res = await rawGet(t, `${API}${path}`, { 'accept-encoding': accept });
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBe(coding);
        expect(res.headers.vary).toContain('Accept-Encoding');
        expect(res.headers.etag).toBe(`${plain.headers.etag!.slice(0, -1)}-${coding}"`);
        const bytes = res.body;
        expect(bytes.length).toBeLessThan(plain.text.length / 2);
        const inflated = coding === 'br' ? brotliDecompressSync(bytes) : gunzipSync(bytes);
        expect(inflated.toString('utf8')).toBe(plain.text);
      }
    }
    // Any coding's ETag revalidates the page, whichever coding is asked next.
    await get(path, { 'Accept-Encoding': 'br', 'If-None-Match': plain.headers.etag! }).expect(304);
    const brTag = `${plain.headers.etag!.slice(0, -1)}-br"`;
    await get(path, { 'Accept-Encoding': 'identity', 'If-None-Match': `W/${brTag}` }).expect(304);
  });

  test('hits are counted in the HTTP metrics under their route template', async () => {
    await expectHitsCounted(t, () => get('/categories'), nestCalls);
  });

  test('HEAD, and a GET with a body, are routed by Fastify as before', async () => {
    await get('/categories').expect(200);
    const before = nestCalls();
    await t.http.head(`${API}/categories`).expect(200);
    await get('/categories').set('Content-Type', 'application/json').send('{}').expect(200);
    expect(nestCalls()).toBe(before + 2);
  });

  test('a URL the Nest path never answered, or refused, still goes through Nest', async () => {
    const before = nestCalls();
    await get('/products?limit=0').expect(400);
    await get('/products?limit=0').expect(400);
    await get('/products/no-such-product').expect(404);
    await get('/products/no-such-product').expect(404);
    expect(nestCalls()).toBe(before + 2);
  });

  test('a page cached a while says what is left of its TTL as max-age, at the door and through Nest alike', async () => {
    await t.http
      .post(`${API}/admin/products`)
      .set(admin.auth)
      .send(aProductBody({ name: 'Aging Lamp' }))
      .expect(201);
    await expectMaxAgeFalls(get, nestCalls, 'Aging%20Lamp');
  });

  test('a write invalidates: the next read is fresh (through Nest), then served fast again', async () => {
    const p = (
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Fast Kettle', price: 1000 }))
        .expect(201)
    ).body as { slug: string; variants: { id: string }[] };
    const path = `/products?q=Fast%20Kettle`;
    const first = await get(path).expect(200);
    expect(first.body.items[0].variants[0].price.amount).toBe(1000);
    await get(path).expect(200);
    const before = nestCalls();
    await t.http
      .patch(`${API}/admin/variants/${p.variants[0]!.id}`)
      .set(admin.auth)
      .send({ price: { amount: 1234, currency: 'EUR' } })
      .expect(200);
    const fresh = await get(path).expect(200);
    expect(fresh.body.items[0].variants[0].price.amount).toBe(1234);
    expect(fresh.headers.etag).not.toBe(first.headers.etag);
    expect(nestCalls()).toBe(before + 1);
    // The old ETag no longer matches: 200 with the new body, not 304.
    const again = await get(path, { 'If-None-Match': first.headers.etag as string }).expect(200);
    expect(again.text).toBe(fresh.text);
    expect(nestCalls()).toBe(before + 1);
  });
});

describeWithRedis('catalog hits found only in Redis, answered before the Nest pipeline', () => {
  let catalog: ReturnType<typeof redisOnlyCatalog>;
  let t: TestApp;
  let admin: TestUser;
  let nestCalls: () => number;
  let lookup: jest.Spied<CatalogCache['lookup']>;
  /** A connection of the test's own, to Redis directly. */
  let redis: Redis;
  /** Between the app's catalog connection and Redis, to hold Redis's answers. */
  let proxy: PausableProxy;

  beforeAll(async () => {
    const url = new URL(redisUrl!);
    proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 6379) });
    url.port = String(await proxy.listen());
    // A command timeout well past the door's wait, so that a test decides
    // when a held lookup is answered.
    catalog = redisOnlyCatalog(url.toString(), 30_000);
    redis = new Redis(redisUrl!);
    t = await startTestApp({
      env: {
        CATALOG_CACHE: 'redis',
        CATALOG_CACHE_TTL_SECONDS: '60',
        CORS_ORIGINS: 'https://shop.example',
        // The door waits a quarter of it (2 s) for Redis. Not shorter: the
        // admin writes that set up a case must end within it on a slow machine.
        REQUEST_TIMEOUT_MS: '8000',
      },
      override: catalog.override,
    });
    admin = await anAdmin(t);
    nestCalls = nestCallsOf(t);
    lookup = jest.spyOn(t.get(CatalogCache), 'lookup');
  });
  afterAll(async () => {
    await stopListening(t?.app.getHttpServer() as Server | undefined);
    await t?.close();
    await redis?.quit();
    await proxy?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    t.http
      .get(`${API}${path}`)
      .set({ Origin: 'https://shop.example', 'X-Request-Id': 'redis-door-test', ...headers });
  const remaining = (res: { headers: Record<string, string> }) =>
    Number(res.headers['x-ratelimit-remaining']);
  /** Whether the last front-door lookup went to Redis (the door answered, or Redis missed). */
  const lookedUpInRedis = () => lookup.mock.results.at(-1)?.value instanceof Promise;
  /** The names of the commands the app's catalog connection sent while `run` ran. */
  async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const sent = jest.spyOn(catalog.redis, 'sendCommand');
    try {
      await run();
      return sent.mock.calls.map(([command]) => command.name);
    } finally {
      sent.mockRestore();
    }
  }

  test('the near cache is off: hits are read from Redis', async () => {
    await get('/categories').expect(200);
    await get('/categories').expect(200);
    expect(lookedUpInRedis()).toBe(true);
  });

  test('a hit from Redis has the same status, body and headers as the Nest reply, 304 included, charged once', async () => {
    const p = (
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: 'Redis Door Lamp' }))
        .expect(201)
    ).body as { slug: string };
    for (const path of [
      '/products?q=Redis%20Door&sort=name',
      `/products/${p.slug}`,
      '/categories',
    ]) {
      const before = nestCalls();
      const viaNest = await get(path).expect(200);
      expect(nestCalls()).toBe(before + 1);
      const viaDoor = await get(path).expect(200);
      expect(nestCalls()).toBe(before + 1);
      expect(lookedUpInRedis()).toBe(true);
      expect(viaDoor.text).toBe(viaNest.text);
      expectSameHeaders(viaDoor, viaNest);
      expect(viaDoor.headers).toMatchObject({
        'x-request-id': 'redis-door-test',
        'access-control-allow-origin': 'https://shop.example',
        'x-content-type-options': 'nosniff',
        'cache-control': expect.stringMatching(/^public, max-age=(59|60)$/),
        vary: 'Origin, Accept-Encoding',
      });
      // One request, one charge, whichever way it was answered.
      expect(remaining(viaDoor)).toBe(remaining(viaNest) - 1);
      const etag = viaNest.headers.etag as string;
      const notModified = await get(path, { 'If-None-Match': etag }).expect(304);
      expect(notModified.text ?? '').toBe('');
      expect(notModified.headers.etag).toBe(etag);
      expect(remaining(notModified)).toBe(remaining(viaDoor) - 1);
      expect(nestCalls()).toBe(before + 1);
    }
  });

  test('compressed: the same bytes, coding and ETag from Redis as from Nest', async () => {
    for (const name of ['Lamp', 'Kettle', 'Mug', 'Vase', 'Jug', 'Cup'])
      await t.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody({ name: `Door Zip ${name}` }))
        .expect(201);
    // A URL per coding, so that each is answered through Nest first.
    for (const [path, coding] of [
      ['/products?q=Door%20Zip&limit=20', 'br'],
      ['/products?q=Door%20Zip&limit=19', 'gzip'],
    ] as const) {
      const before = nestCalls();
      const headers = { 'accept-encoding': coding, 'x-request-id': 'redis-door-test' };
      const viaNest = await rawGet(t, `${API}${path}`, headers);
      const viaDoor = await rawGet(t, `${API}${path}`, headers);
      expect(nestCalls()).toBe(before + 1);
      expect(viaDoor.status).toBe(200);
      expect(viaDoor.headers['content-encoding']).toBe(coding);
      expect(viaDoor.body.equals(viaNest.body)).toBe(true);
      expectSameHeaders(viaDoor, viaNest);
    }
  });

  test('hits from Redis are counted in the HTTP metrics under their route template', async () => {
    await expectHitsCounted(t, () => get('/categories'), nestCalls);
  });

  test('a page cached in Redis a while says what is left of its TTL as max-age, at the door and through Nest alike', async () => {
    await t.http
      .post(`${API}/admin/products`)
      .set(admin.auth)
      .send(aProductBody({ name: 'Redis Aging Lamp' }))
      .expect(201);
    await expectMaxAgeFalls(get, nestCalls, 'Redis%20Aging%20Lamp');
  });

  test('a miss in Redis (after an invalidation) goes through Nest, charged once', async () => {
    const first = await get('/categories').expect(200);
    await t.get(CatalogCache).invalidate();
    const before = nestCalls();
    const reloaded = await get('/categories').expect(200);
    expect(lookedUpInRedis()).toBe(true);
    expect(nestCalls()).toBe(before + 1);
    expect(reloaded.text).toBe(first.text);
    expect(remaining(reloaded)).toBe(remaining(first) - 1);
    // Stored again by Nest: the next one is answered at the door.
    const again = await get('/categories').expect(200);
    expect(nestCalls()).toBe(before + 1);
    expect(remaining(again)).toBe(remaining(reloaded) - 1);
  });

  test('a miss costs one round trip: Nest stores under the generation the door read', async () => {
    const first = await get('/categories').expect(200);
    await t.get(CatalogCache).invalidate();
    const before = nestCalls();
    // The door's lookup (one EVAL), then Nest's store: no second lookup.
    expect(await commandsDuring(() => get('/categories').expect(200))).toEqual(['eval', 'set']);
    expect(nestCalls()).toBe(before + 1);
    // Stored under the current generation: the next one is a hit at the door.
    const again = await commandsDuring(async () => {
      expect((await get('/categories').expect(200)).text).toBe(first.text);
    });
    expect(again).toEqual(['eval']);
    expect(nestCalls()).toBe(before + 1);
  });

  test('a page loaded before an invalidation and stored after it is never served', async () => {
    const variant = await aVariant(t, { price: 1000 });
    const path = `/products/${variant.productId}`;
    await get(path).expect(200);
    await t.get(CatalogCache).invalidate();
    const store = catalog.cache.set.bind(catalog.cache);
    const set = jest.spyOn(catalog.cache, 'set').mockImplementationOnce(async (...args) => {
      // A write commits and invalidates between the page's load and its store.
      await setPrice(t, variant.id, 2000);
      await catalog.cache.invalidate();
      return store(...args);
    });
    try {
      const loaded = await get(path).expect(200);
      expect(loaded.body.variants[0].price.amount).toBe(1000);
      expect(set).toHaveBeenCalledTimes(1);
    } finally {
      set.mockRestore();
    }
    const before = nestCalls();
    const fresh = await get(path).expect(200);
    expect(fresh.body.variants[0].price.amount).toBe(2000);
    expect(nestCalls()).toBe(before + 1);
  });

  test('a Redis error goes through Nest, which answers the same page uncached', async () => {
    const hit = await get('/categories').expect(200);
    const generation = await redis.get(catalog.generationKey);
    // A generation key of the wrong type: Redis refuses the lookup (WRONGTYPE).
    await redis.del(catalog.generationKey);
    await redis.rpush(catalog.generationKey, 'not a generation');
    try {
      const before = nestCalls();
      const res = await get('/categories').expect(200);
      expect(lookedUpInRedis()).toBe(true);
      expect(nestCalls()).toBe(before + 1);
      expect(res.text).toBe(hit.text);
      expectSameHeaders(res, hit);
    } finally {
      await redis.del(catalog.generationKey);
      if (generation !== null) await redis.set(catalog.generationKey, generation);
    }
    const before = nestCalls();
    await get('/categories').expect(200);
    expect(nestCalls()).toBe(before);
  });

  test('a Redis that is not connected is not waited for: Nest answers', async () => {
    const hit = await get('/categories').expect(200);
    const ended = once(catalog.redis, 'end');
    catalog.redis.disconnect();
    await ended;
    try {
      const before = nestCalls();
      const res = await get('/categories').expect(200);
      // The door did not look up at all.
      expect(lookup.mock.results.at(-1)?.value).toBeUndefined();
      expect(nestCalls()).toBe(before + 1);
      expect(res.text).toBe(hit.text);
    } finally {
      await catalog.redis.connect();
    }
    const before = nestCalls();
    await get('/categories').expect(200);
    expect(nestCalls()).toBe(before);
  });

  test('a Redis that does not answer in time: the request goes through Nest, not a hang or a 5xx', async () => {
    const hit = await get('/categories').expect(200);
    const before = nestCalls();
    proxy.hold();
    try {
      const commands = commandsDuring(async () => {
        const queried = proxy.nextQueryWhileHeld();
        const reply = get('/categories').then((res) => res);
        await queried;
        // The door stops waiting and hands the request on; Nest takes the
        // door's lookup over and waits for that one answer.
        expect(await eventually(() => nestCalls() > before)).toBe(true);
        proxy.release();
        const res = await reply;
        expect(res.status).toBe(200);
        expect(res.text).toBe(hit.text);
      });
      expect(await commands).toEqual(['eval']);
    } finally {
      proxy.release();
    }
  });
});
