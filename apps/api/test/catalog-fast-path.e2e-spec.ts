import { get as httpGet, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';

import { CategoryTreeService } from '../src/catalog/category-tree.service.js';
import { ProductListingService } from '../src/catalog/product-listing.service.js';
import { ProductLookupService } from '../src/catalog/product-lookup.service.js';
import { API, aProductBody } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, type TestUser } from './support/users.js';

/** Every reply header but the clock's. */
// What differs between any two replies by nature: the time, and the
// client's remaining request budget (one request apart).
const headersOf = (res: { headers: Record<string, string> }) => {
  const { date: _date, 'x-ratelimit-remaining': _remaining, ...rest } = res.headers;
  return rest;
};

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
    // Counts requests that reached the controller, i.e. went through Nest.
    const spies = [
      jest.spyOn(t.get(ProductListingService), 'page'),
      jest.spyOn(t.get(ProductLookupService), 'published'),
      jest.spyOn(t.get(CategoryTreeService), 'tree'),
    ];
    nestCalls = () => spies.reduce((n, s) => n + s.mock.calls.length, 0);
  });
  afterAll(async () => {
    // rawGet made the server listen itself: Nest's close does not know of it.
    const server = t?.app.getHttpServer() as Server | undefined;
    if (server?.listening) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await t?.close();
  });

  /** A GET over a plain socket: the reply's bytes exactly as the server sent them. */
  async function rawGet(path: string, headers: Record<string, string>) {
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
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
      expect(headersOf(viaHook)).toEqual(headersOf(viaNest));
      // The security, CORS and request-id headers are really there on both.
      expect(viaHook.headers).toMatchObject({
        'x-request-id': 'fast-path-test',
        'access-control-allow-origin': 'https://shop.example',
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=60',
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
        const res = await rawGet(`${API}${path}`, { 'accept-encoding': accept });
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
    const series =
      'http_request_duration_seconds_count{method="GET",route="/api/v1/categories",status="200"}';
    const count = async () => {
      const text = (await t.http.get('/metrics').expect(200)).text;
      const line = text.split('\n').find((l) => l.startsWith(series));
      return Number(line?.split(' ')[1] ?? 0);
    };
    await get('/categories').expect(200);
    const before = await count();
    const nestBefore = nestCalls();
    for (let i = 0; i < 3; i++) await get('/categories').expect(200);
    expect(nestCalls()).toBe(nestBefore);
    expect(await count()).toBe(before + 3);
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
