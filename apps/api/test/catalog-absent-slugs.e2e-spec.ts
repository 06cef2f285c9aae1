import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ProductDto } from '@minishop/contracts';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';

import { JobsOptions } from '../src/jobs/jobs.options.js';
import { API, aProductBody } from './support/catalog.js';
import { headersOf } from './support/http-headers.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { queriesDuring } from './support/query-count.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, type TestUser } from './support/users.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  process.stderr.write(
    '\n[tests] catalog-absent-slugs: Redis cache SKIPPED — REDIS_URL is not set\n',
  );
}
const caches = redisUrl ? ['memory', 'redis'] : ['memory'];

/** What a read of a product sends the database (jobs share the pool, so only these count). */
const PRODUCT_SQL = /\bproduct/i;

let counter = 0;
/** A slug no other test uses. */
const aSlug = (word: string) => `${word}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/**
 * A 404 or a redirect under an id or slug is cached as a page is, and
 * dropped by every catalog write that could change it. A 60 s TTL, so only
 * invalidation can explain a fresh answer.
 */
describe.each(caches)('GET /products/:idOrSlug without a page (%s cache)', (cache) => {
  let t: TestApp;
  let admin: TestUser;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({
      env: { CATALOG_CACHE: cache, CATALOG_CACHE_TTL_SECONDS: '60' },
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
    ds = t.get(DataSource);
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The reply to GET /products/:idOrSlug, and how many product queries it ran. */
  const product = async (idOrSlug: string) => {
    let res!: Response;
    const queries = await queriesDuring(
      ds,
      async () => {
        res = await t.http
          .get(`${API}/products/${idOrSlug}`)
          .set('X-Request-Id', 'absent-slugs-test');
      },
      PRODUCT_SQL,
    );
    return { res, queries };
  };
  const createProduct = async (body: Record<string, unknown>): Promise<ProductDto> =>
    (await t.http.post(`${API}/admin/products`).set(admin.auth).send(body).expect(201))
      .body as ProductDto;
  const patchProduct = (id: string, patch: Record<string, unknown>) =>
    t.http.patch(`${API}/admin/products/${id}`).set(admin.auth).send(patch).expect(200);
  /** Asks twice: the first answer is loaded, the second one served from the cache. */
  const cachedAnswer = async (idOrSlug: string, status: number) => {
    const first = await product(idOrSlug);
    expect(first.res.status).toBe(status);
    expect(first.queries).toBeGreaterThan(0);
    const again = await product(idOrSlug);
    expect(again.res.status).toBe(status);
    expect(again.queries).toBe(0);
    return { first: first.res, again: again.res };
  };

  test('unknown slug or id → the same 404 problem again, without a query', async () => {
    for (const idOrSlug of [aSlug('nothing'), '00000000-0000-4000-8000-00000000abcd']) {
      const { first, again } = await cachedAnswer(idOrSlug, 404);
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(again.headers['cache-control']).toBe('no-store');
      expect(again.body).toMatchObject({
        type: expect.stringMatching(/catalog-product-not-found/),
      });
      expect(again.text).toBe(first.text);
      expect(headersOf(again)).toEqual(headersOf(first));
    }
  });

  test('a product created under a slug cached as not found is served at once', async () => {
    const slug = aSlug('lantern');
    await cachedAnswer(slug, 404);
    const created = await createProduct(aProductBody({ slug }));
    const { res } = await product(slug);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, slug });
  });

  test('a former slug: the same 308 again without a query, and it follows the next rename at once', async () => {
    const [a, b, c] = [aSlug('rug'), aSlug('wool-rug'), aSlug('wide-rug')];
    const p = await createProduct(aProductBody({ slug: a }));
    await patchProduct(p.id, { slug: b });
    const { first, again } = await cachedAnswer(a, 308);
    expect(again.headers.location).toBe(`${API}/products/${b}`);
    expect(headersOf(again)).toEqual(headersOf(first));
    await patchProduct(p.id, { slug: c });
    const moved = await product(a);
    expect(moved.res.status).toBe(308);
    expect(moved.res.headers.location).toBe(`${API}/products/${c}`);
    // The slug given back: the product again, not a redirect.
    await patchProduct(p.id, { slug: a });
    expect((await product(a)).res.status).toBe(200);
  });

  test('archived, a product is not found (cached); restored, it is served at once', async () => {
    const slug = aSlug('sofa');
    const p = await createProduct(aProductBody({ slug }));
    await t.http.delete(`${API}/admin/products/${p.id}`).set(admin.auth).expect(204);
    await cachedAnswer(slug, 404);
    await patchProduct(p.id, { status: 'active' });
    const { res } = await product(slug);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: p.id, slug });
  });

  test('an import creating a product under a slug cached as not found: served once it is done', async () => {
    const slug = aSlug('imported-lamp');
    const category = aSlug('lighting');
    await ds.query('INSERT INTO categories (slug, name) VALUES ($1, $2)', [category, 'Lighting']);
    await cachedAnswer(slug, 404);
    const csv = [
      'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock',
      `${slug},Imported Lamp,Made by a test,${category},SKU-${slug.toUpperCase()},Default,1500,EUR,3`,
    ].join('\n');
    const upload = await t.http
      .post(`${API}/admin/imports`)
      .set(admin.auth)
      .set('Content-Type', 'text/csv')
      .send(`${csv}\n`)
      .expect(202);
    const id = (upload.body as { id: string }).id;
    const done = await waitFor(
      async () => {
        const res = await t.http.get(`${API}/admin/imports/${id}`).set(admin.auth).expect(200);
        const status = (res.body as { status: string }).status;
        return status === 'completed' || status === 'failed' ? status : undefined;
      },
      'the import to finish',
      60_000,
    );
    expect(done).toBe('completed');
    const { res } = await product(slug);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slug, name: 'Imported Lamp' });
  });
});
