import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { MAX_VARIANTS_PER_PRODUCT, VariantLimitError } from '@minishop/domain';
import { DataSource } from 'typeorm';

import { CatalogSeedService } from '../src/catalog/seed/catalog-seed.service.js';
import { demoProducts } from '../src/catalog/seed/demo-catalog.js';
import { API } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin } from './support/users.js';

describe('demo seed beside other catalog writers', () => {
  let t: TestApp;
  let ds: DataSource;
  const [first, second] = demoProducts() as [
    ReturnType<typeof demoProducts>[number],
    ReturnType<typeof demoProducts>[number],
  ];

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.get(DataSource);
  });
  afterAll(() => t?.close());
  beforeEach(async () => {
    await ds.query('TRUNCATE products, variants, stock_movements CASCADE');
  });

  const variantsOf = async (slug: string) =>
    Number(
      (
        await ds.query(
          'SELECT count(*) AS n FROM variants v JOIN products p ON p.id = v.product_id WHERE p.slug = $1',
          [slug],
        )
      )[0].n,
    );

  const waitUntilBlockedBy = async (pid: number) => {
    for (let i = 0; ; i++) {
      const [row] = await ds.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
        [pid],
      );
      if ((row?.n ?? 0) > 0) return;
      if (i > 2000) throw new Error('the seed never waited for the other writer');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  test('newest first lists the demo catalog in one order on every fresh database: the last seeded first', async () => {
    await t.get(CatalogSeedService).seed();
    const rows: { slug: string }[] = await ds.query(
      'SELECT slug FROM products ORDER BY created_at DESC, id DESC',
    );
    expect(rows.map((r) => r.slug)).toEqual(
      demoProducts()
        .map((p) => p.slug)
        .reverse(),
    );
    // As the walkthrough finds it (scripts/purchase.sh): the newest mug, with a Medium.
    const res = await t.http.get(`${API}/products?q=mug&limit=1`).expect(200);
    expect(res.body.items[0].slug).toBe('coastal-mug');
    expect(res.body.items[0].variants[1].name).toBe('Medium');
  });

  test('a seed waiting on a product holds no lock the import would take after it', async () => {
    // The first two demo products exist with their ids in the opposite order
    // to the seed's list, as any two may.
    await ds.query(
      `INSERT INTO products (id, slug, name) VALUES
         ('00000000-0000-4000-8000-000000000002', $1, 'First'),
         ('00000000-0000-4000-8000-000000000001', $2, 'Second')`,
      [first.slug, second.slug],
    );
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
      // Another writer (the import, in id order) holds the lower id...
      await runner.query('SELECT 1 FROM products WHERE slug = $1 FOR UPDATE', [second.slug]);
      const seeded = t.get(CatalogSeedService).seed();
      await waitUntilBlockedBy(pid);
      // ...and takes the higher next: free, as the seed waits before taking
      // it. Had the seed locked it first, the two would deadlock.
      await runner.query('SELECT 1 FROM products WHERE slug = $1 FOR UPDATE NOWAIT', [first.slug]);
      await runner.commitTransaction();
      const report = await seeded;
      expect(report.productsCreated).toBe(report.productsTotal - 2);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
    expect(await variantsOf(first.slug)).toBe(first.variants.length);
  }, 60_000);

  test('a seed waiting on a SKU holds none the import would insert after it', async () => {
    const sized = demoProducts().find((p) => p.variants.length > 2)!;
    const skus = sized.variants.map((v) => v.sku).sort();
    const [lowest, highest] = [skus[0]!, skus[skus.length - 1]!];
    const [other] = await ds.query<{ id: string }[]>(
      "INSERT INTO products (slug, name) VALUES ('other-writer', 'Other') RETURNING id",
    );
    const insertVariant = (sku: string) =>
      runner.query(
        `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
         VALUES ($1, $2, 'Other', 100, 'EUR', 0)`,
        [other!.id, sku],
      );
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
      // Another writer (the import, in SKU order) inserts the lowest SKU...
      await insertVariant(lowest);
      const seeded = t.get(CatalogSeedService).seed();
      await waitUntilBlockedBy(pid);
      // ...and the highest next: free, as the seed waits before inserting
      // it. Had the seed inserted it first (its list has sizes S, M, L),
      // the two would deadlock; waiting at all ends this insert, before
      // PostgreSQL's deadlock check (1 s) could end the seed's instead.
      await runner.query("SET LOCAL lock_timeout = '200ms'");
      await insertVariant(highest);
      await runner.commitTransaction();
      const report = await seeded;
      const total = demoProducts().reduce((n, p) => n + p.variants.length, 0);
      expect(report.variantsCreated).toBe(total - 2);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
    expect(await variantsOf(sized.slug)).toBe(sized.variants.length - 2);
  }, 60_000);

  test(`a demo product an admin filled to ${MAX_VARIANTS_PER_PRODUCT} variants is not pushed past the limit`, async () => {
    const [product] = await ds.query<{ id: string }[]>(
      "INSERT INTO products (slug, name) VALUES ($1, 'Full') RETURNING id",
      [first.slug],
    );
    await ds.query(
      `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
       SELECT $1, 'FULL-' || g, 'Full ' || g, 100, 'EUR', 0
         FROM generate_series(1, $2::int) g`,
      [product!.id, MAX_VARIANTS_PER_PRODUCT],
    );
    await expect(t.get(CatalogSeedService).seed()).rejects.toBeInstanceOf(VariantLimitError);
    expect(await variantsOf(first.slug)).toBe(MAX_VARIANTS_PER_PRODUCT);
  }, 60_000);

  test('seeding again keeps what an admin changed: a demo product renamed, or moved to another slug', async () => {
    const seeder = t.get(CatalogSeedService);
    await seeder.seed();
    const admin = await anAdmin(t);
    const idOf = async (slug: string) =>
      (await ds.query<{ id: string }[]>('SELECT id FROM products WHERE slug = $1', [slug]))[0]!.id;
    const moved = await idOf(first.slug);
    const renamed = await idOf(second.slug);
    await t.http
      .patch(`${API}/admin/products/${moved}`)
      .set(admin.auth)
      .send({ slug: `${first.slug}-moved` })
      .expect(200);
    await t.http
      .patch(`${API}/admin/products/${renamed}`)
      .set(admin.auth)
      .send({ name: 'Named by the admin' })
      .expect(200);
    const categoryId = async (slug: string) =>
      (await ds.query<{ id: string }[]>('SELECT id FROM categories WHERE slug = $1', [slug]))[0]
        ?.id;
    const garden = (await categoryId('garden'))!;
    await t.http
      .patch(`${API}/admin/categories/${garden}`)
      .set(admin.auth)
      .send({ slug: 'garden-and-patio' })
      .expect(200);
    const categories = async () =>
      Number((await ds.query('SELECT count(*) AS n FROM categories'))[0].n);
    const categoriesBefore = await categories();

    const report = await seeder.seed();
    // The renamed demo category is not made again under its old slug.
    expect(await categoryId('garden')).toBeUndefined();
    expect(await categories()).toBe(categoriesBefore);
    expect(await categoryId('garden-and-patio')).toBe(garden);
    expect(report).toMatchObject({ productsCreated: 0, variantsCreated: 0 });
    // No empty product under the old slug: it still leads to the moved one.
    expect(await ds.query('SELECT id FROM products WHERE slug = $1', [first.slug])).toEqual([]);
    const old = await t.http.get(`${API}/products/${first.slug}`).expect(308);
    expect(old.headers.location).toContain(`${first.slug}-moved`);
    expect(await variantsOf(`${first.slug}-moved`)).toBe(first.variants.length);
    const kept = await t.http.get(`${API}/products/${renamed}`).expect(200);
    expect(kept.body.name).toBe('Named by the admin');
  }, 120_000);

  test('two seeds at once: both finish, and each demo variant is created once', async () => {
    const seeder = t.get(CatalogSeedService);
    const reports = await Promise.all([seeder.seed(), seeder.seed()]);
    const total = demoProducts().reduce((n, p) => n + p.variants.length, 0);
    expect(reports[0]!.variantsCreated + reports[1]!.variantsCreated).toBe(total);
    expect(Number((await ds.query('SELECT count(*) AS n FROM variants'))[0].n)).toBe(total);
  }, 120_000);
});
