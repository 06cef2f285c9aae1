import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ProductDto } from '@minishop/contracts';
import { DataSource } from 'typeorm';

import { CatalogSeedService } from '../src/catalog/seed/catalog-seed.service.js';
import { API, aProductBody, walkProducts } from './support/catalog.js';
import { queriesDuring } from './support/query-count.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, type TestUser } from './support/users.js';

/** A `newest` cursor as the API makes them, positioned at `at`. */
const newestCursor = (at: string) =>
  Buffer.from(JSON.stringify(['newest', at, '6f1f8f4e-3c1e-4f6e-9a53-1d2c3b4a5e6f'])).toString(
    'base64url',
  );

describe('catalog public reads (seeded demo catalog)', () => {
  let t: TestApp;
  let admin: TestUser;
  let ds: DataSource;
  const sql = async <T>(query: string, params: unknown[] = []): Promise<T[]> =>
    (await ds.query(query, params)) as T[];

  beforeAll(async () => {
    t = await startTestApp({ env: { CATALOG_CACHE: 'memory' } });
    ds = t.get(DataSource);
    await t.get(CatalogSeedService).seed();
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('seed', () => {
    test('creates ≥ 200 products with 1-3 variants, and a second run duplicates nothing', async () => {
      const before = await sql<{ p: number; v: number; c: number }>(
        `SELECT (SELECT count(*)::int FROM products) p, (SELECT count(*)::int FROM variants) v,
                (SELECT count(*)::int FROM categories) c`,
      );
      expect(before[0]!.p).toBeGreaterThanOrEqual(200);
      const again = await t.get(CatalogSeedService).seed();
      expect(again.productsCreated).toBe(0);
      expect(again.variantsCreated).toBe(0);
      expect(again.accounts.every((a) => !a.created)).toBe(true);
      const after = await sql(
        `SELECT (SELECT count(*)::int FROM products) p, (SELECT count(*)::int FROM variants) v,
                (SELECT count(*)::int FROM categories) c`,
      );
      expect(after).toEqual(before);
      const perProduct = await sql<{ n: number }>(
        'SELECT DISTINCT count(*)::int n FROM variants GROUP BY product_id ORDER BY n',
      );
      expect(perProduct.map((r) => r.n)).toEqual([1, 2, 3]);
    });

    test('demo accounts are stored with an argon2id hash', async () => {
      const rows = await sql<{ email: string; role: string; password_hash: string }>(
        `SELECT email, role, password_hash FROM users WHERE email LIKE '%@minishop.test' ORDER BY email`,
      );
      expect(rows.map((r) => [r.email, r.role])).toEqual([
        ['admin@minishop.test', 'admin'],
        ['customer@minishop.test', 'customer'],
      ]);
      expect(rows.every((r) => r.password_hash.startsWith('$argon2id$'))).toBe(true);
    });
  });

  test('GET /categories → the tree', async () => {
    const res = await t.http.get(`${API}/categories`).expect(200);
    const kitchen = (res.body as { slug: string; children: { slug: string }[] }[]).find(
      (c) => c.slug === 'kitchen',
    );
    expect(res.body).toHaveLength(4);
    expect(kitchen?.children.map((c) => c.slug).sort()).toEqual([
      'coffee-and-tea',
      'cookware',
      'tableware',
    ]);
  });

  describe('GET /products filters', () => {
    test('default page: 20 active products, newest first, each with variants, range and category', async () => {
      const res = await t.http.get(`${API}/products`).expect(200);
      const items = res.body.items as ProductDto[];
      expect(items).toHaveLength(20);
      expect(res.body.nextCursor).toEqual(expect.any(String));
      const p = items[0]!;
      expect(p).toEqual({
        id: expect.any(String),
        slug: expect.any(String),
        name: expect.any(String),
        description: expect.any(String),
        status: 'active',
        category: { id: expect.any(String), slug: expect.any(String), name: expect.any(String) },
        variants: expect.any(Array),
        priceRange: {
          min: { amount: expect.any(Number), currency: 'EUR' },
          max: { amount: expect.any(Number), currency: 'EUR' },
        },
        createdAt: expect.any(String),
      });
      for (const item of items) {
        const prices = item.variants.map((v) => v.price.amount);
        expect(item.priceRange.min.amount).toBe(Math.min(...prices));
        expect(item.priceRange.max.amount).toBe(Math.max(...prices));
        for (const v of item.variants) {
          expect(v).toEqual({
            id: expect.any(String),
            sku: expect.any(String),
            name: expect.any(String),
            price: { amount: expect.any(Number), currency: 'EUR' },
            stock: { available: expect.any(Number) },
          });
        }
      }
    });

    test('category includes its sub-categories', async () => {
      const items = await walkProducts(t, { category: 'kitchen', limit: 50 });
      const [expected] = await sql<{ n: number }>(
        `SELECT count(*)::int n FROM products p JOIN categories c ON c.id = p.category_id
         LEFT JOIN categories parent ON parent.id = c.parent_id
         WHERE p.status = 'active' AND (c.slug = 'kitchen' OR parent.slug = 'kitchen')`,
      );
      expect(items.length).toBe(expected!.n);
      expect(new Set(items.map((p) => p.category?.slug))).toEqual(
        new Set(['kitchen', 'cookware', 'tableware', 'coffee-and-tea']),
      );
      const leaf = await walkProducts(t, { category: 'cookware', limit: 100 });
      expect(leaf.length).toBeGreaterThan(0);
      expect(leaf.every((p) => p.category?.slug === 'cookware')).toBe(true);
      await t.http
        .get(`${API}/products?category=no-such-category`)
        .expect(200)
        .expect((r) => expect(r.body.items).toEqual([]));
    });

    test('an empty category or q filters nothing, as if left out (a storefront\'s "All")', async () => {
      const all = await t.http.get(`${API}/products?limit=5`).expect(200);
      expect(all.body.items).toHaveLength(5);
      for (const query of ['category=', 'q=', 'category=&q=']) {
        const res = await t.http.get(`${API}/products?limit=5&${query}`).expect(200);
        expect(res.body).toEqual(all.body);
      }
    });

    test('minPrice/maxPrice keep products with a variant priced inside the range', async () => {
      const items = await walkProducts(t, { minPrice: 2000, maxPrice: 4000, limit: 100 });
      const [expected] = await sql<{ n: number }>(
        `SELECT count(DISTINCT p.id)::int n FROM products p JOIN variants v ON v.product_id = p.id
         WHERE p.status = 'active' AND v.price BETWEEN 2000 AND 4000`,
      );
      expect(items.length).toBe(expected!.n);
      expect(items.length).toBeGreaterThan(0);
      for (const p of items) {
        expect(p.variants.some((v) => v.price.amount >= 2000 && v.price.amount <= 4000)).toBe(true);
      }
    });

    test('q: full-text on whole words, partial words through the trigram fallback', async () => {
      const mugs = await walkProducts(t, { q: 'mug', limit: 100 });
      expect(mugs.length).toBe(12);
      expect(mugs.every((p) => /mug/i.test(p.name))).toBe(true);
      const partial = await walkProducts(t, { q: 'lant', limit: 100 });
      expect(new Set(partial.map((p) => p.name.split(' ').slice(1).join(' ')))).toEqual(
        new Set(['Lantern', 'Plant Pot']),
      );
      const both = await walkProducts(t, { q: 'nordic mug', limit: 100 });
      expect(both.map((p) => p.name)).toEqual(['Nordic Mug']);
      const described = await walkProducts(t, { q: 'everyday', limit: 100 });
      expect(described.length).toBe(240);
    });

    test('filters combine', async () => {
      const items = await walkProducts(t, { q: 'lamp', category: 'home', maxPrice: 5000 });
      expect(items.length).toBeGreaterThan(0);
      for (const p of items) {
        expect(p.name).toMatch(/Lamp/);
        expect(p.category?.slug).toBe('lighting');
        expect(p.priceRange.min.amount).toBeLessThanOrEqual(5000);
      }
    });
  });

  describe('GET /products sort', () => {
    test('price ascending, -price descending, by the cheapest variant', async () => {
      const asc = await walkProducts(t, { sort: 'price', limit: 37 });
      const desc = await walkProducts(t, { sort: '-price', limit: 41 });
      const [{ n }] = (await sql<{ n: number }>(
        `SELECT count(*)::int n FROM products WHERE status = 'active'`,
      )) as [{ n: number }];
      expect(asc).toHaveLength(n);
      expect(desc).toHaveLength(n);
      const mins = asc.map((p) => p.priceRange.min.amount);
      expect(mins).toEqual([...mins].sort((a, b) => a - b));
      const dmins = desc.map((p) => p.priceRange.min.amount);
      expect(dmins).toEqual([...dmins].sort((a, b) => b - a));
    });

    test('name follows the database collation, id breaking ties', async () => {
      const items = await walkProducts(t, { sort: 'name', limit: 33 });
      const expected = await sql<{ id: string }>(
        `SELECT id FROM products WHERE status = 'active' ORDER BY name, id`,
      );
      expect(items.map((p) => p.id)).toEqual(expected.map((r) => r.id));
    });

    test('newest: createdAt never increases', async () => {
      const items = await walkProducts(t, { sort: 'newest', limit: 100 });
      const times = items.map((p) => Date.parse(p.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });
  });

  describe('pagination', () => {
    test.each(['newest', 'price', 'name'])(
      'sort=%s walks every product exactly once while products are inserted between pages',
      async (sort) => {
        const before = await sql<{ id: string }>(`SELECT id FROM products WHERE status = 'active'`);
        const seen = await walkProducts(t, { sort, limit: 9 }, async (page) => {
          // Lands before, inside or after the pages still to come.
          await t.http
            .post(`${API}/admin/products`)
            .set(admin.auth)
            .send(aProductBody({ name: `Aaa inserted ${sort} ${page}`, price: 100 + page * 400 }))
            .expect(201);
        });
        const ids = seen.map((p) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        const seenSet = new Set(ids);
        expect(before.filter((r) => !seenSet.has(r.id))).toEqual([]);
      },
    );

    test('sort=name walks past products whose long names make long cursors', async () => {
      // 200 characters, most of them 3 bytes in UTF-8: a cursor of over 800.
      const names = ['A', 'B'].map((c) => `Cursorwalk ${c} ${'\u2615'.repeat(187)}`);
      for (const name of names) {
        await t.http
          .post(`${API}/admin/products`)
          .set(admin.auth)
          .send(aProductBody({ name, slug: `cursorwalk-${name[11]!.toLowerCase()}` }))
          .expect(201);
      }
      const seen = await walkProducts(t, { sort: 'name', limit: 1, q: 'Cursorwalk' });
      expect(seen.map((p) => p.name)).toEqual(names);
    });
  });

  test('a page costs the same number of queries for 5 and for 100 products', async () => {
    // Distinct queries, so neither is served from the cache.
    const small = await queriesDuring(ds, () =>
      t.http.get(`${API}/products?limit=5&sort=price&minPrice=1`).expect(200),
    );
    let items: unknown[] = [];
    const large = await queriesDuring(ds, async () => {
      items = (await t.http.get(`${API}/products?limit=100&sort=price&minPrice=2`).expect(200)).body
        .items as unknown[];
    });
    expect(items).toHaveLength(100);
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(3);
  });

  describe('GET /products/:idOrSlug', () => {
    test('by slug and by id, with variants and stock', async () => {
      const bySlug = await t.http.get(`${API}/products/nordic-mug`).expect(200);
      expect(bySlug.body.name).toBe('Nordic Mug');
      const [row] = await sql<{ on_hand: number; reserved: number; id: string }>(
        `SELECT v.id, v.on_hand, v.reserved FROM variants v JOIN products p ON p.id = v.product_id
         WHERE p.slug = 'nordic-mug' ORDER BY v.price, v.sku LIMIT 1`,
      );
      expect(bySlug.body.variants[0].stock.available).toBe(row!.on_hand - row!.reserved);
      const byId = await t.http.get(`${API}/products/${bySlug.body.id}`).expect(200);
      expect(byId.body).toEqual(bySlug.body);
    });

    test('unknown → 404 problem', async () => {
      const res = await t.http.get(`${API}/products/no-such-product`).expect(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.type).toMatch(/catalog-product-not-found/);
      await t.http.get(`${API}/products/00000000-0000-4000-8000-000000000000`).expect(404);
    });

    test('what cannot be an id or slug (a NUL, upper case) → 404 problem that does not repeat it', async () => {
      const unknown = await t.http.get(`${API}/products/no-such-product`).expect(404);
      expect(unknown.body.detail).toContain('no-such-product');
      for (const idOrSlug of ['mug%00', 'Mug', 'a%20b', 'x%1B%5B31m%0D%0Ay']) {
        const res = await t.http.get(`${API}/products/${idOrSlug}`).expect(404);
        expect(res.body.type).toMatch(/catalog-product-not-found/);
        expect(res.body.detail).not.toContain(decodeURIComponent(idOrSlug));
        expect(res.body.detail).not.toMatch(/\p{Cc}/u);
      }
    });
  });

  describe('HTTP caching', () => {
    test('strong ETag and Cache-Control; matching If-None-Match → 304', async () => {
      for (const path of ['/products?limit=3', '/products/classic-mug', '/categories']) {
        const first = await t.http.get(`${API}${path}`).expect(200);
        const etag = first.headers.etag as string;
        expect(etag).toMatch(/^"[\w-]+"$/);
        expect(first.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
        expect(first.headers['content-type']).toMatch(/application\/json/);
        const again = await t.http.get(`${API}${path}`).set('If-None-Match', etag).expect(304);
        expect(again.text ?? '').toBe('');
        await t.http.get(`${API}${path}`).set('If-None-Match', '"other"').expect(200);
      }
    });
  });

  describe('bad input → 400 naming the field', () => {
    const fieldsOf = (body: { errors?: { field: string }[] }) =>
      [...new Set((body.errors ?? []).map((e) => e.field))].sort();

    test('a price bound above the highest price is a bound, not a refusal', async () => {
      // A client's "no upper bound", from before the highest price was lowered.
      const res = await t.http.get(`${API}/products?maxPrice=100000000&limit=1`).expect(200);
      expect(res.body.items).toHaveLength(1);
      await t.http.get(`${API}/products?minPrice=9007199254740991`).expect(200);
    });

    test('minPrice > maxPrice names both', async () => {
      const res = await t.http.get(`${API}/products?minPrice=500&maxPrice=100`).expect(400);
      expect(fieldsOf(res.body)).toEqual(['maxPrice', 'minPrice']);
    });

    test.each([
      ['sort=cheapest', 'sort'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['minPrice=-1', 'minPrice'],
      ['maxPrice=1.5', 'maxPrice'],
      // Not a whole number as written: not read as 0, 16 or 1000 either.
      ['maxPrice=', 'maxPrice'],
      ['minPrice=%20', 'minPrice'],
      ['minPrice=0x10', 'minPrice'],
      ['maxPrice=1e3', 'maxPrice'],
      // Past a safe integer: not compared as some other number.
      ['maxPrice=9007199254740992', 'maxPrice'],
      ['limit=', 'limit'],
      ['cursor=%%%', 'cursor'],
      ['cursor=bm90LWpzb24', 'cursor'],
      [`cursor=${Buffer.from('["newest","x","y"]').toString('base64url')}`, 'cursor'],
      // Shaped like ours, naming no instant: PostgreSQL's cast would fail as a 500.
      [`cursor=${newestCursor('2025-13-45 25:61:61.5+00')}`, 'cursor'],
      [`cursor=${newestCursor('2025-02-30 10:00:00+00')}`, 'cursor'],
      [`cursor=${newestCursor('2025-01-01 10:00:00+99')}`, 'cursor'],
      ['colour=red', 'colour'],
      // PostgreSQL text cannot hold U+0000: the query would fail as a 500.
      ['q=mug%00', 'q'],
      ['category=a%00b', 'category'],
    ])('%s', async (query, field) => {
      const res = await t.http.get(`${API}/products?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(fieldsOf(res.body)).toEqual([field]);
    });

    test('a cursor from another sort → 400 naming cursor', async () => {
      const first = await t.http.get(`${API}/products?sort=price&limit=2`).expect(200);
      const res = await t.http
        .get(`${API}/products?sort=name&limit=2&cursor=${first.body.nextCursor}`)
        .expect(400);
      expect(fieldsOf(res.body)).toEqual(['cursor']);
      expect(res.body.detail).toMatch(/another sort/);
      // The same problem type as every other cursor-paginated list.
      expect(res.body.type).toBe('https://minishop.dev/problems/pagination-invalid-cursor');
    });
  });
});
