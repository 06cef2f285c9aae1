import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { CategoryLimitError } from '@minishop/domain';
import type { Response } from 'supertest';
import { DataSource, type EntityManager } from 'typeorm';

import { CatalogWriteRepository } from '../src/catalog/persistence/catalog-write.repository.js';
import { CatalogSeedService } from '../src/catalog/seed/catalog-seed.service.js';
import { CatalogUpsertRepository } from '../src/imports/persistence/catalog-upsert.repository.js';
import { API, aProductBody } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const fieldsOf = (body: { errors?: { field: string }[] }) =>
  [...new Set((body.errors ?? []).map((e) => e.field))].sort();

describe('catalog admin writes (memory cache)', () => {
  let t: TestApp;
  let admin: TestUser;
  let customer: TestUser;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ env: { CATALOG_CACHE: 'memory', CATALOG_CACHE_TTL_SECONDS: '60' } });
    ds = t.get(DataSource);
    admin = await anAdmin(t);
    customer = await aCustomer(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (body: Record<string, unknown>) =>
    t.http.post(`${API}/admin/products`).set(admin.auth).send(body);

  /**
   * Runs `request` while another transaction, `other`, holds what it wrote
   * uncommitted; once the request waits on a lock (by state, not by time),
   * `other` goes on with `then`, if given, and commits. Returns the reply.
   */
  async function racing(
    other: (m: EntityManager) => Promise<void>,
    request: () => Promise<Response>,
    then?: (m: EntityManager) => Promise<void>,
  ): Promise<Response> {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
      await other(runner.manager);
      // A supertest request starts when it is first awaited or then'd.
      const reply = request().then((r) => r);
      // Some session (the request's; nothing else writes these rows) blocked by `other`.
      for (let i = 0; ; i++) {
        const [row] = await ds.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
          [pid],
        );
        if ((row?.n ?? 0) > 0) break;
        if (i > 2000) throw new Error('the request never waited for the other write');
        await new Promise((r) => setImmediate(r));
      }
      await then?.(runner.manager);
      await runner.commitTransaction();
      return await reply;
    } finally {
      // Never hand the app's pool a connection inside a failed transaction.
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  describe('scope catalog:write', () => {
    const id = '00000000-0000-4000-8000-000000000001';
    test.each([
      ['post', '/admin/products'],
      ['get', '/admin/products'],
      ['get', `/admin/products/${id}`],
      ['patch', `/admin/products/${id}`],
      ['delete', `/admin/products/${id}`],
      ['post', `/admin/products/${id}/variants`],
      ['patch', `/admin/variants/${id}`],
      ['post', `/admin/variants/${id}/stock`],
      ['post', '/admin/categories'],
      ['patch', `/admin/categories/${id}`],
      ['delete', `/admin/categories/${id}`],
    ] as const)('%s %s: no token 401, customer 403', async (method, path) => {
      await t.http[method](`${API}${path}`).send({}).expect(401);
      const res = await t.http[method](`${API}${path}`).set(customer.auth).send({}).expect(403);
      expect(res.body.detail).toContain('catalog:write');
    });
  });

  describe('POST /admin/products', () => {
    test('201 with variants; slug derived from the name; initial stock recorded', async () => {
      const res = await create({
        name: 'Crème Brûlée Torch',
        description: 'Caramelises sugar',
        variants: [
          { sku: 'TORCH-S', name: 'Small', price: { amount: 2500, currency: 'EUR' }, stock: 4 },
          { sku: 'TORCH-L', name: 'Large', price: { amount: 3900, currency: 'EUR' } },
        ],
      }).expect(201);
      expect(res.body).toMatchObject({
        slug: 'creme-brulee-torch',
        status: 'active',
        category: null,
        priceRange: { min: { amount: 2500 }, max: { amount: 3900 } },
      });
      expect(
        res.body.variants.map((v: { stock: { available: number } }) => v.stock.available),
      ).toEqual([4, 0]);
      const movements = await ds.query(
        `SELECT m.delta, m.reason, m.actor_id FROM stock_movements m JOIN variants v ON v.id = m.variant_id
         WHERE v.sku = 'TORCH-S'`,
      );
      expect(movements).toEqual([{ delta: 4, reason: 'initial stock', actor_id: admin.id }]);
      await t.http.get(`${API}/products/creme-brulee-torch`).expect(200);
    });

    test('slug: null is a slug left out, as description: null is: derived from the name', async () => {
      const product = await create({
        ...aProductBody({ name: 'Null Slug Kettle' }),
        slug: null,
        description: null,
      }).expect(201);
      expect(product.body).toMatchObject({ slug: 'null-slug-kettle', description: '' });
      const category = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'Null Slug Kettles', slug: null })
        .expect(201);
      expect(category.body).toMatchObject({ slug: 'null-slug-kettles' });
    });

    test('201 → Location: the product’s public URL, which answers with it', async () => {
      const res = await create(aProductBody()).expect(201);
      expect(res.headers.location).toBe(`${API}/products/${res.body.id}`);
      const read = await t.http.get(res.headers.location!).expect(200);
      expect(read.body).toEqual(res.body);
    });

    test('a new variant or category has no URL of its own to read: no Location', async () => {
      const product = (await create(aProductBody()).expect(201)).body;
      const variant = await t.http
        .post(`${API}/admin/products/${product.id}/variants`)
        .set(admin.auth)
        .send({ sku: `NOLOC-${Date.now()}`, name: 'Big', price: { amount: 900, currency: 'EUR' } })
        .expect(201);
      const category = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: `No Location ${Date.now()}` })
        .expect(201);
      expect(variant.headers.location).toBeUndefined();
      expect(category.headers.location).toBeUndefined();
    });

    test('duplicate slug → 409 naming slug; duplicate SKU → 409 naming the variant sku', async () => {
      const first = aProductBody();
      await create(first).expect(201);
      const dupSlug = await create({ ...aProductBody(), name: first.name }).expect(409);
      expect(fieldsOf(dupSlug.body)).toEqual(['slug']);
      const sku = (first.variants as { sku: string }[])[0]!.sku;
      const dupSku = await create(
        aProductBody({ variants: [{ sku, name: 'x', price: { amount: 100, currency: 'EUR' } }] }),
      ).expect(409);
      expect(fieldsOf(dupSku.body)).toEqual(['variants.0.sku']);
      expect(dupSku.body.type).toMatch(/catalog-duplicate-sku/);
    });

    test('a UUID-shaped slug → 400 naming slug: GET /products/:idOrSlug reads it as an id', async () => {
      const other = (await create(aProductBody()).expect(201)).body;
      const res = await create(aProductBody({ slug: other.id })).expect(400);
      expect(fieldsOf(res.body)).toEqual(['slug']);
      const renamed = await t.http
        .patch(`${API}/admin/products/${other.id}`)
        .set(admin.auth)
        .send({ slug: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b' })
        .expect(400);
      expect(fieldsOf(renamed.body)).toEqual(['slug']);
      const category = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: '0b7d9c2e 5a41 4e3f 8b6a 2c1d0e9f8a7b' })
        .expect(400);
      expect(fieldsOf(category.body)).toEqual(['slug']);
    });

    test('unknown categoryId → 422 naming categoryId', async () => {
      const res = await create(
        aProductBody({ categoryId: '00000000-0000-4000-8000-00000000dead' }),
      ).expect(422);
      expect(fieldsOf(res.body)).toEqual(['categoryId']);
    });

    test.each([
      [
        { variants: [{ sku: 'NEG-1', name: 'x', price: { amount: -5, currency: 'EUR' } }] },
        'variants.0.price.amount',
      ],
      [
        { variants: [{ sku: 'ZERO-1', name: 'x', price: { amount: 0, currency: 'EUR' } }] },
        'variants.0.price.amount',
      ],
      [
        { variants: [{ sku: 'FLT-1', name: 'x', price: { amount: 9.99, currency: 'EUR' } }] },
        'variants.0.price.amount',
      ],
      [
        { variants: [{ sku: 'lower', name: 'x', price: { amount: 5, currency: 'EUR' } }] },
        'variants.0.sku',
      ],
      [{ variants: [] }, 'variants'],
      [{ slug: 'Not A Slug' }, 'slug'],
      [{ name: '' }, 'name'],
    ])('bad body %j → 400 naming %s', async (override, field) => {
      const res = await create(aProductBody(override as Record<string, unknown>)).expect(400);
      expect(fieldsOf(res.body)).toEqual([field]);
    });

    test('names are trimmed as the import trims them: blank → 400 naming it, spaces around dropped', async () => {
      const blank = await create(aProductBody({ name: '   ', slug: 'blank-name' })).expect(400);
      expect(fieldsOf(blank.body)).toEqual(['name']);
      const blankVariant = await create(
        aProductBody({
          variants: [{ sku: 'BLANK-1', name: ' \t ', price: { amount: 5, currency: 'EUR' } }],
        }),
      ).expect(400);
      expect(fieldsOf(blankVariant.body)).toEqual(['variants.0.name']);
      const p = (
        await create(
          aProductBody({
            name: '  Spaced Kettle  ',
            variants: [{ sku: 'SPACED-1', name: ' Large ', price: { amount: 5, currency: 'EUR' } }],
          }),
        ).expect(201)
      ).body;
      expect(p).toMatchObject({ name: 'Spaced Kettle', variants: [{ name: 'Large' }] });
      const patched = await t.http
        .patch(`${API}/admin/products/${p.id}`)
        .set(admin.auth)
        .send({ name: ' ' })
        .expect(400);
      expect(fieldsOf(patched.body)).toEqual(['name']);
      const variant = await t.http
        .patch(`${API}/admin/variants/${p.variants[0].id}`)
        .set(admin.auth)
        .send({ name: '  ' })
        .expect(400);
      expect(fieldsOf(variant.body)).toEqual(['name']);
      const category = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: '  ', slug: 'blank-category' })
        .expect(400);
      expect(fieldsOf(category.body)).toEqual(['name']);
    });

    test('a NUL character in any text → 400 naming the field, nothing stored', async () => {
      const body = aProductBody({ description: 'ok' });
      const variants = body.variants as Record<string, unknown>[];
      const res = await create({
        ...body,
        variants: [{ ...variants[0], name: 'a\u0000b' }],
      }).expect(400);
      expect(fieldsOf(res.body)).toEqual(['variants.0.name']);
      const [{ n }] = await ds.query('SELECT count(*)::int n FROM products WHERE name = $1', [
        body.name,
      ]);
      expect(n).toBe(0);
    });

    test('a price in another currency → 400 naming its currency', async () => {
      const res = await create(
        aProductBody({
          variants: [{ sku: 'USD-1', name: 'x', price: { amount: 5, currency: 'USD' } }],
        }),
      ).expect(400);
      expect(fieldsOf(res.body)).toEqual(['variants.0.price.currency']);
    });

    test('a price sent as a bare number → 400 saying a price is Money, not an internal term', async () => {
      const res = await create(
        aProductBody({ variants: [{ sku: 'BARE-1', name: 'x', price: 500 }] }),
      ).expect(400);
      expect(res.body.errors).toEqual([
        {
          field: 'variants.0.price',
          message: 'price must be an object such as { "amount": 1299, "currency": "EUR" }',
        },
      ]);
    });

    test('SKUs claimed by a concurrent writer in another order → 409 or 201, never a 500', async () => {
      const n = Date.now().toString(36).toUpperCase();
      const [first, second] = [`DL-${n}-A`, `DL-${n}-B`];
      const mySlug = `dl-mine-${n.toLowerCase()}`;
      // Another writer (an import, or a create listing them the other way
      // round) holding the second SKU, then asking for the first.
      const claim = (sku: string) => async (m: EntityManager) => {
        const [p] = await m.query<{ id: string }[]>('SELECT id FROM products WHERE slug = $1', [
          `dl-${n.toLowerCase()}`,
        ]);
        await m.query(
          `INSERT INTO variants (product_id, sku, name, price, currency) VALUES ($1, $2, 'x', 1, 'EUR')`,
          [p!.id, sku],
        );
      };
      let otherLost = false;
      const res = await racing(
        async (m) => {
          await m.query(`INSERT INTO products (slug, name) VALUES ($1, 'Other writer')`, [
            `dl-${n.toLowerCase()}`,
          ]);
          await claim(second)(m);
        },
        () =>
          create(
            aProductBody({
              slug: mySlug,
              variants: [first, second].map((sku) => ({
                sku,
                name: sku,
                price: { amount: 100, currency: 'EUR' },
              })),
            }),
          ),
        // Waits until PostgreSQL breaks the deadlock this makes. The create,
        // which waited first, is the one aborted; run again, it may race the
        // other writer for the first SKU once more and win, and then the
        // other writer is aborted (its COMMIT rolls back).
        (m) =>
          claim(first)(m).catch((error: unknown) => {
            if (!/deadlock/.test(String(error))) throw error;
            otherLost = true;
          }),
      );
      const mine = await ds.query('SELECT 1 FROM products WHERE slug = $1', [mySlug]);
      if (otherLost) {
        expect(res.status).toBe(201);
        expect(mine).toHaveLength(1);
      } else {
        expect(res.status).toBe(409);
        expect(fieldsOf(res.body)).toEqual(['variants.0.sku']);
        expect(mine).toHaveLength(0);
      }
    });
  });

  describe('PATCH /admin/products/:id', () => {
    test('only the fields sent change', async () => {
      const created = (await create(aProductBody({ description: 'Keep me' })).expect(201)).body;
      const res = await t.http
        .patch(`${API}/admin/products/${created.id}`)
        .set(admin.auth)
        .send({ name: 'Renamed' })
        .expect(200);
      expect(res.body).toMatchObject({
        name: 'Renamed',
        description: 'Keep me',
        slug: created.slug,
      });
    });

    test('null for a required field → 400; categoryId null detaches; duplicate slug → 409', async () => {
      const cat = (
        await t.http
          .post(`${API}/admin/categories`)
          .set(admin.auth)
          .send({ name: 'Patch Cat' })
          .expect(201)
      ).body;
      const created = (await create(aProductBody({ categoryId: cat.id })).expect(201)).body;
      expect(created.category.slug).toBe('patch-cat');
      const bad = await t.http
        .patch(`${API}/admin/products/${created.id}`)
        .set(admin.auth)
        .send({ name: null })
        .expect(400);
      expect(fieldsOf(bad.body)).toEqual(['name']);
      const detached = await t.http
        .patch(`${API}/admin/products/${created.id}`)
        .set(admin.auth)
        .send({ categoryId: null })
        .expect(200);
      expect(detached.body.category).toBeNull();
      const other = (await create(aProductBody()).expect(201)).body;
      const dup = await t.http
        .patch(`${API}/admin/products/${created.id}`)
        .set(admin.auth)
        .send({ slug: other.slug })
        .expect(409);
      expect(fieldsOf(dup.body)).toEqual(['slug']);
    });

    test('unknown product → 404', async () => {
      await t.http
        .patch(`${API}/admin/products/00000000-0000-4000-8000-000000000009`)
        .set(admin.auth)
        .send({ name: 'x' })
        .expect(404);
    });
  });

  test('DELETE archives: 204, then gone from public reads, kept for admins', async () => {
    const created = (await create(aProductBody()).expect(201)).body;
    await t.http.get(`${API}/products/${created.slug}`).expect(200);
    await t.http.delete(`${API}/admin/products/${created.id}`).set(admin.auth).expect(204);
    await t.http.get(`${API}/products/${created.slug}`).expect(404);
    const list = await t.http
      .get(`${API}/products?q=${encodeURIComponent(created.name)}`)
      .expect(200);
    expect(list.body.items).toEqual([]);
    const [row] = await ds.query('SELECT status FROM products WHERE id = $1', [created.id]);
    expect(row.status).toBe('archived');
  });

  test('GET /admin/products lists archived products beside active ones, with the public filters and pages; ?status= picks one; GET /admin/products/:id reads one archived', async () => {
    const tag = `Staffview${Date.now().toString(36)}`;
    const kept = (await create(aProductBody({ name: `${tag} Kept` })).expect(201)).body;
    const gone = (await create(aProductBody({ name: `${tag} Gone` })).expect(201)).body;
    await t.http.delete(`${API}/admin/products/${gone.id}`).set(admin.auth).expect(204);
    const staff = (query: Record<string, string | number>) =>
      t.http
        .get(`${API}/admin/products`)
        .query({ q: tag, ...query })
        .set(admin.auth);
    const ids = (res: Response) => (res.body.items as { id: string }[]).map((p) => p.id);

    const all = await staff({ sort: 'name' }).expect(200);
    expect(ids(all)).toEqual([gone.id, kept.id]);
    expect(all.body.items[0]).toMatchObject({ id: gone.id, status: 'archived' });
    expect(ids(await staff({ status: 'archived' }).expect(200))).toEqual([gone.id]);
    expect(ids(await staff({ status: 'active' }).expect(200))).toEqual([kept.id]);
    // An empty category is every category, as on the public list.
    expect(ids(await staff({ sort: 'name', category: '' }).expect(200))).toEqual([
      gone.id,
      kept.id,
    ]);
    // The public list still shows the active one only.
    const published = await t.http.get(`${API}/products`).query({ q: tag }).expect(200);
    expect(ids(published)).toEqual([kept.id]);
    // Pages as the public list's do.
    const first = await staff({ sort: 'name', limit: 1 }).expect(200);
    expect(ids(first)).toEqual([gone.id]);
    const second = await staff({ sort: 'name', limit: 1, cursor: first.body.nextCursor }).expect(
      200,
    );
    expect(ids(second)).toEqual([kept.id]);
    expect(second.body.nextCursor).toBeNull();
    expect((await staff({ status: 'deleted' })).status).toBe(400);

    const one = await t.http.get(`${API}/admin/products/${gone.id}`).set(admin.auth).expect(200);
    expect(one.body).toMatchObject({ id: gone.id, slug: gone.slug, status: 'archived' });
    // Staff see each variant's stock in full: on hand, reserved and what can be ordered.
    const [variant] = kept.variants as { id: string }[];
    await ds.query('UPDATE variants SET reserved = 3 WHERE id = $1', [variant!.id]);
    const stocked = await t.http
      .get(`${API}/admin/products/${kept.id}`)
      .set(admin.auth)
      .expect(200);
    expect(stocked.body.variants[0].stock).toEqual({ onHand: 10, reserved: 3, available: 7 });
    const listed = await staff({ status: 'active' }).expect(200);
    expect(listed.body.items[0].variants[0].stock).toEqual({
      onHand: 10,
      reserved: 3,
      available: 7,
    });
    // The public page shows what can be ordered only.
    const [shown] = (await t.http.get(`${API}/products/${kept.id}`).expect(200)).body.variants;
    expect(shown.stock).toEqual({ available: 7 });
    await t.http.get(`${API}/products/${gone.id}`).expect(404);
    await t.http
      .get(`${API}/admin/products/00000000-0000-4000-8000-0000000000aa`)
      .set(admin.auth)
      .expect(404);
  });

  describe('variants', () => {
    test('POST adds a variant and widens the price range in the same write', async () => {
      const created = (await create(aProductBody({ price: 1000 })).expect(201)).body;
      const sku = `ADD-${Date.now()}`;
      const res = await t.http
        .post(`${API}/admin/products/${created.id}/variants`)
        .set(admin.auth)
        .send({ sku, name: 'Big', price: { amount: 4000, currency: 'EUR' }, stock: 2 })
        .expect(201);
      expect(res.body).toMatchObject({ sku, price: { amount: 4000 }, stock: { available: 2 } });
      const product = await t.http.get(`${API}/products/${created.id}`).expect(200);
      expect(product.body.priceRange).toEqual({
        min: { amount: 1000, currency: 'EUR' },
        max: { amount: 4000, currency: 'EUR' },
      });
    });

    test('POST → 409 once the product has 50 variants, adding nothing', async () => {
      const n = Date.now().toString(36).toUpperCase();
      const variants = Array.from({ length: 50 }, (_, i) => ({
        sku: `FULL-${n}-${i}`,
        name: `V${i}`,
        price: { amount: 100 + i, currency: 'EUR' },
      }));
      const p = (await create(aProductBody({ variants })).expect(201)).body;
      const res = await t.http
        .post(`${API}/admin/products/${p.id}/variants`)
        .set(admin.auth)
        .send({ sku: `FULL-${n}-X`, name: 'One more', price: { amount: 1, currency: 'EUR' } })
        .expect(409);
      expect(res.body.detail).toMatch(/at most 50 variants/);
      const [row] = await ds.query(
        'SELECT count(*)::int AS n FROM variants WHERE product_id = $1',
        [p.id],
      );
      expect(row.n).toBe(50);
      const product = await t.http.get(`${API}/products/${p.id}`).expect(200);
      expect(product.body.priceRange.min.amount).toBe(100);
    });

    test('PATCH changes the price and the product range; bad values → 400/409', async () => {
      const a = (await create(aProductBody({ price: 1000 })).expect(201)).body;
      const variantId = a.variants[0].id;
      await t.http
        .patch(`${API}/admin/variants/${variantId}`)
        .set(admin.auth)
        .send({ price: { amount: 700, currency: 'EUR' } })
        .expect(200);
      const [row] = await ds.query('SELECT min_price, max_price FROM products WHERE id = $1', [
        a.id,
      ]);
      expect([Number(row.min_price), Number(row.max_price)]).toEqual([700, 700]);
      const neg = await t.http
        .patch(`${API}/admin/variants/${variantId}`)
        .set(admin.auth)
        .send({ price: { amount: -1, currency: 'EUR' } })
        .expect(400);
      expect(fieldsOf(neg.body)).toEqual(['price.amount']);
      const b = (await create(aProductBody()).expect(201)).body;
      const dup = await t.http
        .patch(`${API}/admin/variants/${variantId}`)
        .set(admin.auth)
        .send({ sku: b.variants[0].sku })
        .expect(409);
      expect(fieldsOf(dup.body)).toEqual(['sku']);
      await t.http
        .patch(`${API}/admin/variants/00000000-0000-4000-8000-000000000009`)
        .set(admin.auth)
        .send({ name: 'x' })
        .expect(404);
    });

    /** Another admin's price change of `variantId`, written as the variant routes write it. */
    const repricing =
      (productId: string, variantId: string, amount: number) => async (m: EntityManager) => {
        await m.query('UPDATE variants SET price = $2 WHERE id = $1', [variantId, amount]);
        await t.get(CatalogWriteRepository).refreshPriceRange(m, productId);
      };
    const rangeOf = async (productId: string) => {
      const [row] = await ds.query('SELECT min_price, max_price FROM products WHERE id = $1', [
        productId,
      ]);
      return [Number(row.min_price), Number(row.max_price)];
    };

    test('concurrent price changes of two variants of one product: the range counts both', async () => {
      const p = (
        await create(
          aProductBody({
            variants: [
              { sku: `R1-${Date.now()}`, name: 'S', price: { amount: 1000, currency: 'EUR' } },
              { sku: `R2-${Date.now()}`, name: 'L', price: { amount: 2000, currency: 'EUR' } },
            ],
          }),
        ).expect(201)
      ).body;
      const [small, large] = [p.variants[0].id, p.variants[1].id];
      const res = await racing(repricing(p.id, small, 5000), () =>
        t.http
          .patch(`${API}/admin/variants/${large}`)
          .set(admin.auth)
          .send({ price: { amount: 50, currency: 'EUR' } }),
      );
      expect(res.status).toBe(200);
      expect(await rangeOf(p.id)).toEqual([50, 5000]);
    });

    test('a variant added while another is repriced: the range counts both', async () => {
      const p = (await create(aProductBody({ price: 1000 })).expect(201)).body;
      const res = await racing(repricing(p.id, p.variants[0].id, 5000), () =>
        t.http
          .post(`${API}/admin/products/${p.id}/variants`)
          .set(admin.auth)
          .send({
            sku: `ADD2-${Date.now()}`,
            name: 'Tiny',
            price: { amount: 10, currency: 'EUR' },
          }),
      );
      expect(res.status).toBe(201);
      expect(await rangeOf(p.id)).toEqual([10, 5000]);
    });
  });

  describe('POST /admin/variants/:id/stock', () => {
    test('adds and removes, recording each movement with its actor', async () => {
      const p = (await create(aProductBody({ stock: 5 })).expect(201)).body;
      const v = p.variants[0].id;
      const res = await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: 3, reason: 'delivery' })
        .expect(200);
      expect(res.body).toEqual({ variantId: v, onHand: 8, reserved: 0, available: 8 });
      await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: -2, reason: 'broken' })
        .expect(200);
      const moves = await ds.query(
        'SELECT delta, reason, on_hand_after, actor_id FROM stock_movements WHERE variant_id = $1 ORDER BY id',
        [v],
      );
      expect(moves).toEqual([
        { delta: 5, reason: 'initial stock', on_hand_after: 5, actor_id: admin.id },
        { delta: 3, reason: 'delivery', on_hand_after: 8, actor_id: admin.id },
        { delta: -2, reason: 'broken', on_hand_after: 6, actor_id: admin.id },
      ]);
    });

    test('never below reserved → 409, nothing recorded', async () => {
      const p = (await create(aProductBody({ stock: 10 })).expect(201)).body;
      const v = p.variants[0].id;
      await ds.query('UPDATE variants SET reserved = 4 WHERE id = $1', [v]);
      const res = await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: -7, reason: 'stock take' })
        .expect(409);
      expect(res.body.type).toMatch(/catalog-stock-below-reserved/);
      const [row] = await ds.query('SELECT on_hand FROM variants WHERE id = $1', [v]);
      expect(row.on_hand).toBe(10);
      const [{ n }] = await ds.query(
        'SELECT count(*)::int n FROM stock_movements WHERE variant_id = $1',
        [v],
      );
      expect(n).toBe(1);
      const ok = await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: -6, reason: 'stock take' })
        .expect(200);
      expect(ok.body).toMatchObject({ onHand: 4, reserved: 4, available: 0 });
    });

    test('refused, then moved by another writer before the refusal is explained → the adjustment is made on the new figures, not a 409 quoting them', async () => {
      const p = (await create(aProductBody({ stock: 10 })).expect(201)).body;
      const v = p.variants[0].id;
      await ds.query('UPDATE variants SET reserved = 4 WHERE id = $1', [v]);
      const repo = t.get(CatalogWriteRepository);
      const adjust = repo.adjustStock.bind(repo);
      let delivered = false;
      // A delivery of 100 commits right after the refusal, on its own connection.
      repo.adjustStock = async (m, id, delta) => {
        const after = await adjust(m, id, delta);
        if (after === null && !delivered) {
          delivered = true;
          await ds.query('UPDATE variants SET on_hand = on_hand + 100 WHERE id = $1', [id]);
        }
        return after;
      };
      try {
        const res = await t.http
          .post(`${API}/admin/variants/${v}/stock`)
          .set(admin.auth)
          .send({ delta: -7, reason: 'stock take' });
        expect(delivered).toBe(true);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ onHand: 103, reserved: 4, available: 99 });
        const [row] = await ds.query(
          'SELECT on_hand_after FROM stock_movements WHERE variant_id = $1 ORDER BY id DESC LIMIT 1',
          [v],
        );
        expect(row.on_hand_after).toBe(103);
      } finally {
        repo.adjustStock = adjust;
      }
    });

    test('never above what the column holds → 409 naming delta, nothing recorded', async () => {
      const p = (await create(aProductBody({ stock: 5 })).expect(201)).body;
      const v = p.variants[0].id;
      const max = 2_147_483_647;
      await ds.query('UPDATE variants SET on_hand = $2 WHERE id = $1', [v, max - 5]);
      const res = await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: 10_000_000, reason: 'delivery' })
        .expect(409);
      expect(res.body.type).toMatch(/catalog-stock-above-maximum/);
      expect(res.body.errors).toEqual([{ field: 'delta', message: 'delta must be at most 5' }]);
      const ok = await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: 5, reason: 'delivery' })
        .expect(200);
      expect(ok.body).toMatchObject({ onHand: max, available: max });
      const [{ n }] = await ds.query(
        'SELECT count(*)::int n FROM stock_movements WHERE variant_id = $1',
        [v],
      );
      expect(n).toBe(2);
    });

    test('concurrent removals never oversell: exactly on-hand many succeed', async () => {
      const p = (await create(aProductBody({ stock: 5 })).expect(201)).body;
      const v = p.variants[0].id;
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          t.http
            .post(`${API}/admin/variants/${v}/stock`)
            .set(admin.auth)
            .send({ delta: -1, reason: 'race' }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      expect(results.filter((r) => r.status === 409)).toHaveLength(7);
      const [row] = await ds.query('SELECT on_hand FROM variants WHERE id = $1', [v]);
      expect(row.on_hand).toBe(0);
    });

    test.each([
      [{ delta: 0, reason: 'x' }, 'delta'],
      [{ delta: 1.5, reason: 'x' }, 'delta'],
      [{ delta: 1 }, 'reason'],
    ])('bad body %j → 400 naming %s', async (body, field) => {
      const res = await t.http
        .post(`${API}/admin/variants/00000000-0000-4000-8000-000000000009/stock`)
        .set(admin.auth)
        .send(body)
        .expect(400);
      expect(fieldsOf(res.body)).toEqual([field]);
    });

    test('a NUL character in the reason or a variant name → 400 naming it', async () => {
      const p = (await create(aProductBody({ stock: 5 })).expect(201)).body;
      const v = p.variants[0].id;
      const stock = await t.http
        .post(`${API}/admin/variants/${v}/stock`)
        .set(admin.auth)
        .send({ delta: 1, reason: 'stock\u0000take' })
        .expect(400);
      expect(fieldsOf(stock.body)).toEqual(['reason']);
      const renamed = await t.http
        .patch(`${API}/admin/variants/${v}`)
        .set(admin.auth)
        .send({ name: '\u0000' })
        .expect(400);
      expect(fieldsOf(renamed.body)).toEqual(['name']);
      const category = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'Mugs\u0000' })
        .expect(400);
      expect(fieldsOf(category.body)).toEqual(['name']);
    });

    test('unknown variant → 404', async () => {
      await t.http
        .post(`${API}/admin/variants/00000000-0000-4000-8000-000000000009/stock`)
        .set(admin.auth)
        .send({ delta: 1, reason: 'x' })
        .expect(404);
    });
  });

  describe('PATCH and DELETE /admin/categories/:id', () => {
    let made = 0;
    /** A category with a slug no other test uses. */
    const aCategory = async (parentId?: string) => {
      made += 1;
      const res = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({
          name: `Edit Cat ${made}`,
          slug: `edit-cat-${made}`,
          ...(parentId ? { parentId } : {}),
        })
        .expect(201);
      return res.body as { id: string; slug: string; name: string };
    };
    const patchCategory = (id: string, body: object) =>
      t.http.patch(`${API}/admin/categories/${id}`).set(admin.auth).send(body);
    const deleteCategory = (id: string) =>
      t.http.delete(`${API}/admin/categories/${id}`).set(admin.auth);
    type Node = { id: string; slug: string; name: string; children: Node[] };
    /** The category as GET /categories shows it, with the path of slugs down to it. */
    const inTree = async (id: string) => {
      const tree = (await t.http.get(`${API}/categories`).expect(200)).body as Node[];
      const find = (nodes: Node[], path: string[]): { node: Node; path: string[] } | undefined => {
        for (const n of nodes) {
          if (n.id === id) return { node: n, path: [...path, n.slug] };
          const below = find(n.children, [...path, n.slug]);
          if (below) return below;
        }
        return undefined;
      };
      return find(tree, []);
    };

    test('a new name keeps the slug; a new slug changes only the slug; the tree shows both at once', async () => {
      const cat = await aCategory();
      await inTree(cat.id); // cached now
      const renamed = await patchCategory(cat.id, { name: '  Pots & Pans  ' }).expect(200);
      expect(renamed.body).toEqual({
        id: cat.id,
        slug: cat.slug,
        name: 'Pots & Pans',
        children: [],
      });
      expect((await inTree(cat.id))?.node).toMatchObject({ name: 'Pots & Pans', slug: cat.slug });
      const reslugged = await patchCategory(cat.id, { slug: `${cat.slug}-pans` }).expect(200);
      expect(reslugged.body).toMatchObject({ name: 'Pots & Pans', slug: `${cat.slug}-pans` });
      expect((await inTree(cat.id))?.node.slug).toBe(`${cat.slug}-pans`);
    });

    test('a slug taken by another category → 409 naming slug; a malformed one or an empty name → 400; nothing changes', async () => {
      const [a, b] = [await aCategory(), await aCategory()];
      const dup = await patchCategory(a.id, { slug: b.slug }).expect(409);
      expect(fieldsOf(dup.body)).toEqual(['slug']);
      await patchCategory(a.id, { slug: 'Not A Slug' }).expect(400);
      await patchCategory(a.id, { name: '  ' }).expect(400);
      await patchCategory(a.id, { name: null }).expect(400);
      await patchCategory(a.id, { parentId: 'nope' }).expect(400);
      // Its own slug again is no conflict.
      await patchCategory(a.id, { slug: a.slug }).expect(200);
      expect((await inTree(a.id))?.node).toMatchObject({ slug: a.slug, name: a.name });
    });

    test('moves under another category and back to the top level (parentId null)', async () => {
      const [a, b] = [await aCategory(), await aCategory()];
      await patchCategory(b.id, { parentId: a.id }).expect(200);
      expect((await inTree(b.id))?.path).toEqual([a.slug, b.slug]);
      await patchCategory(b.id, { parentId: null }).expect(200);
      expect((await inTree(b.id))?.path).toEqual([b.slug]);
    });

    test('under itself or one of its subcategories → 422 catalog-category-cycle; unknown parent → 422; unknown category → 404', async () => {
      const top = await aCategory();
      const mid = await aCategory(top.id);
      const leaf = await aCategory(mid.id);
      for (const parentId of [top.id, mid.id, leaf.id]) {
        const res = await patchCategory(top.id, { parentId }).expect(422);
        expect(res.body.type).toMatch(/catalog-category-cycle$/);
        expect(fieldsOf(res.body)).toEqual(['parentId']);
      }
      // Ids in upper case name the same categories.
      for (const parentId of [top.id, leaf.id]) {
        const res = await patchCategory(top.id.toUpperCase(), {
          parentId: parentId.toUpperCase(),
        }).expect(422);
        expect(res.body.type).toMatch(/catalog-category-cycle$/);
      }
      expect((await inTree(leaf.id))?.path).toEqual([top.slug, mid.slug, leaf.slug]);
      const unknown = await patchCategory(top.id, {
        parentId: '00000000-0000-4000-8000-00000000dead',
      }).expect(422);
      expect(fieldsOf(unknown.body)).toEqual(['parentId']);
      const missing = await patchCategory('00000000-0000-4000-8000-00000000dead', {
        name: 'Ghost',
      }).expect(404);
      expect(missing.body.type).toMatch(/catalog-category-not-found$/);
      await patchCategory('not-a-uuid', { name: 'Ghost' }).expect(400);
    });

    test('two categories moved under each other at once: one move wins, the other → 422, no loop', async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b] = [await aCategory(), await aCategory()];
        const replies = await Promise.all([
          patchCategory(a.id, { parentId: b.id }).then((r) => r),
          patchCategory(b.id, { parentId: a.id }).then((r) => r),
        ]);
        expect(replies.map((r) => r.status).sort()).toEqual([200, 422]);
        const parents = await ds.query<{ id: string; parent_id: string | null }[]>(
          'SELECT id, parent_id FROM categories WHERE id = ANY($1::uuid[])',
          [[a.id, b.id]],
        );
        expect(parents.filter((p) => p.parent_id !== null)).toHaveLength(1);
      }
    });

    test('deletes an empty category; one with a subcategory or a live product → 409, kept', async () => {
      const parent = await aCategory();
      const child = await aCategory(parent.id);
      const busy = await deleteCategory(parent.id).expect(409);
      expect(busy.body.type).toMatch(/catalog-category-in-use$/);
      expect(busy.body.detail).toContain('1 subcategories and 0 products');

      const product = (await create(aProductBody({ categoryId: child.id })).expect(201)).body;
      await deleteCategory(child.id).expect(409);
      // Archived, it no longer holds the category: the category goes, the product loses it.
      await t.http.delete(`${API}/admin/products/${product.id}`).set(admin.auth).expect(204);
      await deleteCategory(child.id).expect(204);
      const [row] = await ds.query<{ category_id: string | null }[]>(
        'SELECT category_id FROM products WHERE id = $1',
        [product.id],
      );
      expect(row!.category_id).toBeNull();
      await deleteCategory(parent.id).expect(204);
      expect(await inTree(parent.id)).toBeUndefined();
      const gone = await deleteCategory(parent.id).expect(404);
      expect(gone.body.type).toMatch(/catalog-category-not-found$/);
    });

    test('a product written into the category while it is being deleted is counted: 409, nothing lost', async () => {
      const cat = await aCategory();
      let productId = '';
      const res = await racing(
        async (m) => {
          const [row] = (await m.query(
            `INSERT INTO products (slug, name, description, category_id)
             VALUES ($1, 'Racing kettle', '', $2) RETURNING id`,
            [`racing-kettle-${cat.slug}`, cat.id],
          )) as { id: string }[];
          productId = row!.id;
        },
        () => deleteCategory(cat.id),
      );
      expect(res.status).toBe(409);
      const [row] = await ds.query<{ category_id: string | null }[]>(
        'SELECT category_id FROM products WHERE id = $1',
        [productId],
      );
      expect(row!.category_id).toBe(cat.id);
    });

    test('a product un-archived while its category is being deleted is counted: 409, it keeps the category', async () => {
      const cat = await aCategory();
      const product = (await create(aProductBody({ categoryId: cat.id })).expect(201)).body;
      await t.http.delete(`${API}/admin/products/${product.id}`).set(admin.auth).expect(204);
      const res = await racing(
        async (m) => {
          await m.query(`UPDATE products SET status = 'active' WHERE id = $1`, [product.id]);
        },
        () => deleteCategory(cat.id),
      );
      expect(res.status).toBe(409);
      const [row] = await ds.query<{ category_id: string | null; status: string }[]>(
        'SELECT category_id, status FROM products WHERE id = $1',
        [product.id],
      );
      expect(row).toEqual({ category_id: cat.id, status: 'active' });
    });

    test('an import batch that resolved the category holds a delete until it commits, which then counts its product', async () => {
      const cat = await aCategory();
      const res = await racing(
        async (m) => {
          const ids = await t.get(CatalogUpsertRepository).categoryIds(m, [cat.slug]);
          expect(ids.get(cat.slug)).toBe(cat.id);
        },
        () => deleteCategory(cat.id),
        async (m) => {
          await m.query(
            `INSERT INTO products (slug, name, description, category_id)
             VALUES ($1, 'Imported kettle', '', $2)`,
            [`imported-kettle-${cat.slug}`, cat.id],
          );
        },
      );
      expect(res.status).toBe(409);
      expect((await inTree(cat.id))?.node.slug).toBe(cat.slug);
    });

    test('an empty body changes nothing: 200 with the category as it is', async () => {
      const cat = await aCategory();
      const res = await patchCategory(cat.id, {}).expect(200);
      expect(res.body).toEqual({ id: cat.id, slug: cat.slug, name: cat.name, children: [] });
      await patchCategory('00000000-0000-4000-8000-00000000dead', {}).expect(404);
    });

    test('a loop stored in the tree by hand does not hang the listing by category', async () => {
      const a = await aCategory();
      const b = await aCategory(a.id);
      await create(aProductBody({ categoryId: b.id })).expect(201);
      await ds.query('UPDATE categories SET parent_id = $2 WHERE id = $1', [a.id, b.id]);
      try {
        const res = await t.http.get(`${API}/products`).query({ category: a.slug }).expect(200);
        expect(res.body.items).toHaveLength(1);
      } finally {
        await ds.query('UPDATE categories SET parent_id = NULL WHERE id = $1', [a.id]);
      }
    });

    test('listings and product pages follow a move and a rename at once', async () => {
      const [home, garden] = [await aCategory(), await aCategory()];
      const sub = await aCategory(home.id);
      const product = (await create(aProductBody({ categoryId: sub.id })).expect(201)).body;
      const listed = async (slug: string) =>
        (
          await t.http.get(`${API}/products`).query({ category: slug, limit: 100 }).expect(200)
        ).body.items.map((p: { id: string }) => p.id);
      // Read once each, so the cache holds them.
      expect(await listed(home.slug)).toEqual([product.id]);
      expect(await listed(garden.slug)).toEqual([]);
      await t.http.get(`${API}/products/${product.id}`).expect(200);

      await patchCategory(sub.id, { parentId: garden.id, name: 'Sheds' }).expect(200);
      expect(await listed(home.slug)).toEqual([]);
      expect(await listed(garden.slug)).toEqual([product.id]);
      const page = await t.http.get(`${API}/products/${product.id}`).expect(200);
      expect(page.body.category).toMatchObject({ slug: sub.slug, name: 'Sheds' });
    });

    test('the document types parentId and categoryId as nullable UUID strings', async () => {
      const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      const { schemas } = doc.components;
      for (const [schema, field] of [
        ['UpdateCategoryDto', 'parentId'],
        ['UpdateProductDto', 'categoryId'],
      ] as const) {
        expect(schemas[schema]!.properties[field]).toMatchObject({ format: 'uuid' });
        expect(JSON.stringify(schemas[schema]!.properties[field])).toContain('"string"');
        expect(JSON.stringify(schemas[schema]!.properties[field])).not.toContain('"object"');
      }
    });

    test('a product created naming a category deleted meanwhile → 422 naming categoryId', async () => {
      const cat = await aCategory();
      const res = await racing(
        async (m) => {
          await m.query('LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE');
          await m.query('SELECT 1 FROM categories WHERE id = $1 FOR UPDATE', [cat.id]);
        },
        () => create(aProductBody({ categoryId: cat.id })),
        async (m) => {
          await m.query('DELETE FROM categories WHERE id = $1', [cat.id]);
        },
      );
      expect(res.status).toBe(422);
      expect(fieldsOf(res.body)).toEqual(['categoryId']);
    });
  });

  describe('POST /admin/categories', () => {
    test('creates under a parent; shows in the tree at once', async () => {
      await t.http.get(`${API}/categories`).expect(200);
      const parent = (
        await t.http
          .post(`${API}/admin/categories`)
          .set(admin.auth)
          .send({ name: 'Garden Tools' })
          .expect(201)
      ).body;
      expect(parent).toMatchObject({ slug: 'garden-tools', children: [] });
      await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'Spades', slug: 'spades', parentId: parent.id })
        .expect(201);
      const tree = await t.http.get(`${API}/categories`).expect(200);
      const node = tree.body.find((c: { slug: string }) => c.slug === 'garden-tools');
      expect(node.children.map((c: { slug: string }) => c.slug)).toEqual(['spades']);
    });

    test('unknown parentId → 422 naming parentId; duplicate slug → 409 naming slug', async () => {
      const bad = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'Orphan', parentId: '00000000-0000-4000-8000-00000000dead' })
        .expect(422);
      expect(fieldsOf(bad.body)).toEqual(['parentId']);
      await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'Twice' })
        .expect(201);
      const dup = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'Twice' })
        .expect(409);
      expect(fieldsOf(dup.body)).toEqual(['slug']);
    });

    describe('at most 1000 categories', () => {
      const categories = async () =>
        (await ds.query<{ n: number }[]>('SELECT count(*)::int AS n FROM categories'))[0]!.n;
      /** Fills the catalog with filler categories up to `n`; removed after each test. */
      const fillTo = async (n: number) => {
        await ds.query(
          `INSERT INTO categories (slug, name)
           SELECT 'filler-' || g, 'Filler ' || g FROM generate_series(1, $1::int) g`,
          [n - (await categories())],
        );
      };
      const createCategory = (name: string) =>
        t.http.post(`${API}/admin/categories`).set(admin.auth).send({ name });
      afterEach(async () => {
        await ds.query(
          "DELETE FROM categories WHERE slug LIKE 'filler-%' OR slug LIKE 'over-the-cap%'",
        );
      });

      test('the 1000th is created; the 1001st → 409 catalog-category-limit, adding nothing', async () => {
        await fillTo(999);
        await createCategory('Over The Cap').expect(201);
        const res = await createCategory('Over The Cap Again').expect(409);
        expect(res.body.type).toMatch(/catalog-category-limit$/);
        expect(res.body.detail).toBe('The catalog has at most 1000 categories');
        expect(await categories()).toBe(1000);
        const tree = await t.http.get(`${API}/categories`).expect(200);
        const count = (nodes: { children: unknown[] }[]): number =>
          nodes.reduce((n, c) => n + 1 + count(c.children as { children: unknown[] }[]), 0);
        expect(count(tree.body)).toBe(1000);
      });

      test('concurrent creates at 995: five succeed, the rest → 409', async () => {
        await fillTo(995);
        const replies = await Promise.all(
          Array.from({ length: 12 }, (_, i) => createCategory(`Over The Cap ${i}`).then((r) => r)),
        );
        const statuses = replies.map((r) => r.status).sort();
        expect(statuses).toEqual([...Array(5).fill(201), ...Array(7).fill(409)]);
        expect(await categories()).toBe(1000);
      });

      test('the demo seed does not push the catalog past the limit', async () => {
        // The demo catalog has 14 categories; there is room for 13.
        await fillTo(987);
        const products = async () =>
          (await ds.query<{ n: number }[]>('SELECT count(*)::int AS n FROM products'))[0]!.n;
        const before = await products();
        await expect(t.get(CatalogSeedService).seed()).rejects.toBeInstanceOf(CategoryLimitError);
        expect(await categories()).toBe(987);
        expect(await products()).toBe(before);
      });

      test('a create waiting on another writer of categories counts what that writer added', async () => {
        await fillTo(999);
        const res = await racing(
          async (m) => {
            await m.query("INSERT INTO categories (slug, name) VALUES ('filler-last', 'Last')");
          },
          () => createCategory('Over The Cap'),
        );
        expect(res.status).toBe(409);
        expect(await categories()).toBe(1000);
      });
    });
  });

  describe('cache invalidation (TTL 60 s, so only invalidation can explain a fresh read)', () => {
    test('a price change is visible on the next list and detail read', async () => {
      const p = (
        await create(aProductBody({ name: 'Invalidation Kettle', price: 1000 })).expect(201)
      ).body;
      const listPath = `${API}/products?q=Invalidation%20Kettle`;
      const before = await t.http.get(listPath).expect(200);
      expect(before.body.items[0].variants[0].price.amount).toBe(1000);
      await t.http.get(`${API}/products/${p.slug}`).expect(200);
      await t.http
        .patch(`${API}/admin/variants/${p.variants[0].id}`)
        .set(admin.auth)
        .send({ price: { amount: 1234, currency: 'EUR' } })
        .expect(200);
      const list = await t.http.get(listPath).expect(200);
      expect(list.body.items[0].variants[0].price.amount).toBe(1234);
      expect(list.headers.etag).not.toBe(before.headers.etag);
      const detail = await t.http.get(`${API}/products/${p.slug}`).expect(200);
      expect(detail.body.priceRange.min.amount).toBe(1234);
    });

    test('a cached page stays cached until a write', async () => {
      const p = (await create(aProductBody({ name: 'Cached Teapot', price: 1000 })).expect(201))
        .body;
      const path = `${API}/products/${p.slug}`;
      await t.http.get(path).expect(200);
      // Behind the API's back: the cache still answers with what it had.
      await ds.query('UPDATE variants SET price = 1111 WHERE product_id = $1', [p.id]);
      expect((await t.http.get(path).expect(200)).body.variants[0].price.amount).toBe(1000);
      await t.http
        .post(`${API}/admin/variants/${p.variants[0].id}/stock`)
        .set(admin.auth)
        .send({ delta: 1, reason: 'recount' })
        .expect(200);
      expect((await t.http.get(path).expect(200)).body.variants[0].price.amount).toBe(1111);
    });
  });
});
