import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ProductDto, ProductPageDto } from '@minishop/contracts';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';

import { API, aProductBody } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin, type TestUser } from './support/users.js';

let counter = 0;
/** A slug no other test uses. */
const aSlug = (word: string) => `${word}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/**
 * Old links after an admin changes a slug. Redis-backed when REDIS_URL is
 * set, in-process otherwise; a 60 s TTL, so only invalidation can explain
 * a fresh read.
 */
describe('former slugs of products and categories', () => {
  let t: TestApp;
  let admin: TestUser;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ env: { CATALOG_CACHE_TTL_SECONDS: '60' } });
    ds = t.get(DataSource);
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createProduct = async (body: Record<string, unknown>): Promise<ProductDto> =>
    (await t.http.post(`${API}/admin/products`).set(admin.auth).send(body).expect(201))
      .body as ProductDto;
  const reslug = (id: string, slug: string) =>
    t.http.patch(`${API}/admin/products/${id}`).set(admin.auth).send({ slug }).expect(200);
  const createCategory = async (body: Record<string, unknown>): Promise<{ id: string }> =>
    (await t.http.post(`${API}/admin/categories`).set(admin.auth).send(body).expect(201)).body as {
      id: string;
    };
  const reslugCategory = (id: string, slug: string) =>
    t.http.patch(`${API}/admin/categories/${id}`).set(admin.auth).send({ slug }).expect(200);
  const product = (idOrSlug: string) => t.http.get(`${API}/products/${idOrSlug}`);
  const listed = async (query: string): Promise<ProductPageDto> =>
    (await t.http.get(`${API}/products?${query}`).expect(200)).body as ProductPageDto;

  /** A 308 to the product's current page, with nothing to read in it. */
  const expectMoved = (res: Response, location: string) => {
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(location);
    expect(res.text ?? '').toBe('');
    // Never kept by a browser or a shared cache: the slug may be given back.
    expect(res.headers['cache-control']).toBe('no-store');
  };
  const formerSlugsOf = async (productId: string) =>
    (
      await ds.query<{ slug: string }[]>(
        'SELECT slug FROM product_former_slugs WHERE product_id = $1 ORDER BY slug',
        [productId],
      )
    ).map((r) => r.slug);

  test('re-slugged product: the old slug → 308 to the new one (query kept), the new one → 200', async () => {
    const [a, b] = [aSlug('lamp'), aSlug('desk-lamp')];
    const p = await createProduct(aProductBody({ slug: a }));
    await reslug(p.id, b);
    expectMoved(await product(a), `${API}/products/${b}`);
    expectMoved(
      await product(`${a}?utm_source=news&x=1`),
      `${API}/products/${b}?utm_source=news&x=1`,
    );
    const current = await product(b).expect(200);
    expect(current.body).toMatchObject({ id: p.id, slug: b });
    // By id, as ever.
    expect((await product(p.id).expect(200)).body).toMatchObject({ id: p.id, slug: b });
  });

  test('a cached page under the old slug does not outlive the rename', async () => {
    const [a, b] = [aSlug('kettle'), aSlug('steel-kettle')];
    const p = await createProduct(aProductBody({ slug: a }));
    // Twice: the second is a cache hit, answered by the front door.
    await product(a).expect(200);
    await product(a).expect(200);
    await reslug(p.id, b);
    expectMoved(await product(a), `${API}/products/${b}`);
    expectMoved(await product(a), `${API}/products/${b}`);
  });

  test('two renames in a row: both old slugs → 308 to the last, never to the middle one', async () => {
    const [a, b, c] = [aSlug('mug'), aSlug('tall-mug'), aSlug('taller-mug')];
    const p = await createProduct(aProductBody({ slug: a }));
    await reslug(p.id, b);
    expectMoved(await product(a), `${API}/products/${b}`);
    await reslug(p.id, c);
    expectMoved(await product(a), `${API}/products/${c}`);
    expectMoved(await product(b), `${API}/products/${c}`);
    await product(c).expect(200);
  });

  test('a slug given back (A → B → A): A → 200, B → 308 to A, no record of A left', async () => {
    const [a, b] = [aSlug('bowl'), aSlug('big-bowl')];
    const p = await createProduct(aProductBody({ slug: a }));
    await product(a).expect(200);
    await reslug(p.id, b);
    expectMoved(await product(a), `${API}/products/${b}`);
    await reslug(p.id, a);
    expect((await product(a).expect(200)).body).toMatchObject({ id: p.id, slug: a });
    expectMoved(await product(b), `${API}/products/${a}`);
    expect(await formerSlugsOf(p.id)).toEqual([b]);
  });

  test('a former slug another product takes: that product is served', async () => {
    const [a, b, c] = [aSlug('vase'), aSlug('old-vase'), aSlug('new-vase')];
    const x = await createProduct(aProductBody({ slug: a }));
    await reslug(x.id, b);
    expectMoved(await product(a), `${API}/products/${b}`);
    const y = await createProduct(aProductBody({ slug: a }));
    expect((await product(a).expect(200)).body).toMatchObject({ id: y.id, slug: a });
    expect(await formerSlugsOf(x.id)).toEqual([]);
    // Given up again, the slug leads to the one that gave it up last.
    await reslug(y.id, c);
    expectMoved(await product(a), `${API}/products/${c}`);
    // And taken by PATCH rather than on creation: the same.
    await reslug(x.id, a);
    expect((await product(a).expect(200)).body).toMatchObject({ id: x.id, slug: a });
    expectMoved(await product(b), `${API}/products/${a}`);
  });

  test('an archived product is not found under its former slug either', async () => {
    const [a, b] = [aSlug('chair'), aSlug('oak-chair')];
    const p = await createProduct(aProductBody({ slug: a }));
    await reslug(p.id, b);
    expectMoved(await product(a), `${API}/products/${b}`);
    await t.http.delete(`${API}/admin/products/${p.id}`).set(admin.auth).expect(204);
    const res = await product(a).expect(404);
    expect(res.headers.location).toBeUndefined();
    expect(res.body.type).toMatch(/catalog-product-not-found/);
    await product(b).expect(404);
  });

  test('a current slug of an archived product is not redirected to the product that had it', async () => {
    const [a, b] = [aSlug('stool'), aSlug('bar-stool')];
    const x = await createProduct(aProductBody({ slug: a }));
    await reslug(x.id, b);
    const y = await createProduct(aProductBody({ slug: a }));
    await t.http.delete(`${API}/admin/products/${y.id}`).set(admin.auth).expect(204);
    // `a` is y's, archived: as any archived product's slug, not found.
    await product(a).expect(404);
  });

  test('re-slugged category: ?category=<old slug> lists what the new slug lists', async () => {
    const [old, renamed] = [aSlug('lighting'), aSlug('lamps-and-lights')];
    const cat = await createCategory({ name: `Lighting ${old}`, slug: old });
    const sub = await createCategory({ name: `Desk ${old}`, parentId: cat.id });
    const inCat = await createProduct(aProductBody({ categoryId: cat.id }));
    const inSub = await createProduct(aProductBody({ categoryId: sub.id }));
    // Cached under the old slug before the change.
    const before = await listed(`category=${old}`);
    expect(before.items.map((p) => p.id).sort()).toEqual([inCat.id, inSub.id].sort());

    await reslugCategory(cat.id, renamed);
    const byOld = await listed(`category=${old}`);
    const byNew = await listed(`category=${renamed}`);
    expect(byOld).toEqual(byNew);
    expect(byOld.items.map((p) => p.id).sort()).toEqual([inCat.id, inSub.id].sort());
    // The products name the category by its current slug, whichever slug was asked for.
    expect(byOld.items.find((p) => p.id === inCat.id)?.category?.slug).toBe(renamed);
    // One page of any size is still one query: a page of 1 pages on to the other product.
    const first = await listed(`category=${old}&limit=1`);
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  test('a category taking another one’s former slug wins it; given back, the slug leaves no record', async () => {
    const [old, renamed] = [aSlug('garden'), aSlug('outdoor')];
    const first = await createCategory({ name: `Garden ${old}`, slug: old });
    const firstProduct = await createProduct(aProductBody({ categoryId: first.id }));
    await reslugCategory(first.id, renamed);
    expect((await listed(`category=${old}`)).items.map((p) => p.id)).toEqual([firstProduct.id]);

    const second = await createCategory({ name: `Garden too ${old}`, slug: old });
    expect((await listed(`category=${old}`)).items).toEqual([]);
    const secondProduct = await createProduct(aProductBody({ categoryId: second.id }));
    expect((await listed(`category=${old}`)).items.map((p) => p.id)).toEqual([secondProduct.id]);

    await t.http.delete(`${API}/admin/products/${secondProduct.id}`).set(admin.auth).expect(204);
    await t.http.delete(`${API}/admin/categories/${second.id}`).set(admin.auth).expect(204);
    // Taken by the second category, the slug stopped being the first one's.
    expect((await listed(`category=${old}`)).items).toEqual([]);
    await reslugCategory(first.id, old);
    expect((await listed(`category=${old}`)).items.map((p) => p.id)).toEqual([firstProduct.id]);
    const records = await ds.query<{ slug: string }[]>(
      'SELECT slug FROM category_former_slugs WHERE category_id = $1',
      [first.id],
    );
    expect(records.map((r) => r.slug)).toEqual([renamed]);
  });
});
