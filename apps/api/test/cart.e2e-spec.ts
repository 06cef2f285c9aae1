import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { MAX_CART_LINES } from '@minishop/domain';
import { DataSource, type QueryRunner } from 'typeorm';

import { GuestCartAbsorber } from '../src/auth/guest-cart-absorber.js';
import { CartRepository } from '../src/cart/cart.repository.js';
import { CartCleanupService } from '../src/cart/cart-cleanup.service.js';
import {
  type CartCaller,
  type CartContext,
  CartResolver,
} from '../src/cart/cart-resolver.service.js';
import { CheckoutCartPort } from '../src/cart/checkout-cart.port.js';
import {
  archiveProduct,
  aVariant,
  setPrice,
  setStock,
  type TestVariant,
} from './support/catalog-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, registered, type TestUser } from './support/users.js';

interface CartLineBody {
  id: string;
  variantId: string;
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: { amount: number; currency: string };
  lineTotal: { amount: number; currency: string };
  issues: string[];
}
interface CartBody {
  id: string;
  lines: CartLineBody[];
  subtotal: { amount: number; currency: string };
  itemCount: number;
  updatedAt: string;
}
interface MergedCartBody extends CartBody {
  merge: {
    dropped: { variantId: string; quantity: number; reason: string }[];
    capped: { variantId: string; requested: number; kept: number; reason: string }[];
  };
}

const API = '/api/v1';
const UNKNOWN_TOKEN = 'A'.repeat(43);

describe('cart', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  type Who = { token: string } | TestUser;
  const as = (who: Who): Record<string, string> =>
    'token' in who ? { 'X-Cart-Token': who.token } : who.auth;

  async function guest(): Promise<{ token: string; cart: CartBody }> {
    const res = await t.http.post(`${API}/cart`).expect(201);
    return { token: res.body.cartToken as string, cart: res.body.cart as CartBody };
  }
  async function getCart(who: Who): Promise<CartBody> {
    return (await t.http.get(`${API}/cart`).set(as(who)).expect(200)).body as CartBody;
  }
  async function add(who: Who, variant: TestVariant, quantity: number): Promise<CartBody> {
    const res = await t.http
      .post(`${API}/cart/items`)
      .set(as(who))
      .send({ variantId: variant.id, quantity })
      .expect(201);
    return res.body as CartBody;
  }
  const line = (cart: CartBody, variant: TestVariant) =>
    cart.lines.find((l) => l.variantId === variant.id);

  describe('guest carts', () => {
    test('POST /cart → 201 with a 256-bit token of which only the SHA-256 is stored', async () => {
      const { token, cart } = await guest();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(cart).toEqual({
        id: expect.any(String),
        lines: [],
        subtotal: { amount: 0, currency: 'EUR' },
        itemCount: 0,
        updatedAt: expect.any(String),
      });
      const [row] = await db.query<{ token_hash: string; user_id: string | null }[]>(
        'SELECT token_hash, user_id FROM carts WHERE id = $1',
        [cart.id],
      );
      expect(row).toEqual({
        token_hash: createHash('sha256').update(token).digest('hex'),
        user_id: null,
      });
      const leaked = await db.query('SELECT 1 FROM carts WHERE token_hash = $1', [token]);
      expect(leaked).toHaveLength(0);
    });

    test('POST /cart → Location: GET /cart, which answers with the new cart given its token', async () => {
      const res = await t.http.post(`${API}/cart`).expect(201);
      expect(res.headers.location).toBe(`${API}/cart`);
      const read = await t.http
        .get(res.headers.location!)
        .set('X-Cart-Token', res.body.cartToken)
        .expect(200);
      expect(read.body.id).toBe(res.body.cart.id);
    });

    test('GET /cart → 200 the cart of X-Cart-Token', async () => {
      const { token, cart } = await guest();
      expect((await getCart({ token })).id).toBe(cart.id);
    });

    test('GET /cart without a token, with a malformed or an unknown one → 404 problem', async () => {
      for (const headers of [{}, { 'X-Cart-Token': 'nope' }, { 'X-Cart-Token': UNKNOWN_TOKEN }]) {
        const res = await t.http.get(`${API}/cart`).set(headers).expect(404);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
        expect(res.body.detail).toMatch(/X-Cart-Token/);
      }
      await t.http
        .post(`${API}/cart/items`)
        .send({ variantId: (await aVariant(t)).id, quantity: 1 })
        .expect(404);
    });

    test('POST /cart/items → 201 adds a line priced by the catalog, merges a second add', async () => {
      const g = await guest();
      const tee = await aVariant(t, { price: 1299 });
      const mug = await aVariant(t, { price: 850 });
      let cart = await add(g, tee, 2);
      expect(cart.lines).toEqual([
        {
          id: expect.any(String),
          variantId: tee.id,
          productId: tee.productId,
          sku: tee.sku,
          name: expect.stringContaining('Default'),
          quantity: 2,
          unitPrice: { amount: 1299, currency: 'EUR' },
          lineTotal: { amount: 2598, currency: 'EUR' },
          issues: [],
        },
      ]);
      const lineId = cart.lines[0]!.id;
      cart = await add(g, tee, 3);
      expect(cart.lines).toHaveLength(1);
      expect(cart.lines[0]).toMatchObject({ id: lineId, quantity: 5 });
      cart = await add(g, mug, 1);
      expect(cart.lines.map((l) => l.quantity)).toEqual([5, 1]);
      expect(cart.subtotal).toEqual({ amount: 5 * 1299 + 850, currency: 'EUR' });
      expect(cart.itemCount).toBe(6);
      expect(await getCart(g)).toEqual(cart);
    });

    test('POST /cart/items → 201 names the line in full however long the catalog names are', async () => {
      const g = await guest();
      const long = await aVariant(t);
      await db.query('UPDATE products SET name = $2 WHERE id = $1', [
        long.productId,
        'P'.repeat(200),
      ]);
      await db.query('UPDATE variants SET name = $2 WHERE id = $1', [long.id, 'V'.repeat(200)]);
      const cart = await add(g, long, 1);
      // The reply is checked against the OpenAPI document when the app closes.
      expect(line(cart, long)?.name).toBe(`${'P'.repeat(200)} – ${'V'.repeat(200)}`);
    });

    test('PATCH /cart/items/:id sets the quantity, 0 removes; DELETE removes; a gone line → 404', async () => {
      const g = await guest();
      const a = await aVariant(t);
      const b = await aVariant(t);
      await add(g, a, 1);
      const cart = await add(g, b, 1);
      const [la, lb] = [line(cart, a)!.id, line(cart, b)!.id];
      let res = await t.http
        .patch(`${API}/cart/items/${la}`)
        .set(as(g))
        .send({ quantity: 7 })
        .expect(200);
      expect(line(res.body, a)?.quantity).toBe(7);
      res = await t.http
        .patch(`${API}/cart/items/${la}`)
        .set(as(g))
        .send({ quantity: 0 })
        .expect(200);
      expect(res.body.lines.map((l: CartLineBody) => l.id)).toEqual([lb]);
      res = await t.http.delete(`${API}/cart/items/${lb}`).set(as(g)).expect(200);
      expect(res.body.lines).toEqual([]);
      await t.http.delete(`${API}/cart/items/${lb}`).set(as(g)).expect(404);
      await t.http.patch(`${API}/cart/items/${la}`).set(as(g)).send({ quantity: 1 }).expect(404);
      await t.http.delete(`${API}/cart/items/not-a-uuid`).set(as(g)).expect(404);
      await t.http
        .patch(`${API}/cart/items/not-a-uuid`)
        .set(as(g))
        .send({ quantity: 1 })
        .expect(404);
    });
  });

  describe('bad input', () => {
    test('quantity 0, 100, 1.5, "2", missing, or an unknown field → 400 with errors', async () => {
      const g = await guest();
      const v = await aVariant(t);
      for (const body of [
        { variantId: v.id, quantity: 0 },
        { variantId: v.id, quantity: 100 },
        { variantId: v.id, quantity: 1.5 },
        { variantId: v.id, quantity: '2' },
        { variantId: v.id },
        { variantId: 'not-a-uuid', quantity: 1 },
        { variantId: v.id, quantity: 1, price: 1 },
      ]) {
        const res = await t.http.post(`${API}/cart/items`).set(as(g)).send(body).expect(400);
        expect(res.body.errors.length).toBeGreaterThan(0);
      }
      const cart = await add(g, v, 1);
      for (const quantity of [100, -1, 2.5]) {
        await t.http
          .patch(`${API}/cart/items/${cart.lines[0]!.id}`)
          .set(as(g))
          .send({ quantity })
          .expect(400);
      }
      expect((await getCart(g)).lines[0]?.quantity).toBe(1);
    });

    test('PATCH/DELETE /cart/items/:id with a malformed id → 404 whose detail does not echo it', async () => {
      const g = await guest();
      const unknown = '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b';
      let res = await t.http.delete(`${API}/cart/items/${unknown}`).set(as(g)).expect(404);
      expect(res.body.detail).toContain(unknown);
      for (const raw of ['%00', 'a%00b%1B%5B31m', 'x%0D%0AInjected%3A%20yes', 'not-a-uuid']) {
        const sent = decodeURIComponent(raw);
        for (const request of [
          t.http.delete(`${API}/cart/items/${raw}`).set(as(g)),
          t.http.patch(`${API}/cart/items/${raw}`).set(as(g)).send({ quantity: 1 }),
        ]) {
          res = await request.expect(404);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.body.detail).not.toContain(sent);
          expect(res.body.detail).not.toMatch(/\p{Cc}/u);
          expect(res.body.detail).toMatch(/not a valid id/);
        }
      }
    });

    test('unknown variant → 404; archived or out of stock → 409 with a clear detail', async () => {
      const g = await guest();
      let res = await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: '00000000-0000-4000-8000-000000000000', quantity: 1 })
        .expect(404);
      expect(res.body.detail).toMatch(/does not exist/);
      const archived = await aVariant(t, { archived: true });
      res = await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: archived.id, quantity: 1 })
        .expect(409);
      expect(res.body.detail).toBe(
        `${archived.sku} is no longer sold and cannot be added to a cart`,
      );
      const reservedOut = await aVariant(t, { stock: 5, reserved: 5 });
      res = await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: reservedOut.id, quantity: 1 })
        .expect(409);
      expect(res.body.detail).toBe(`${reservedOut.sku} is out of stock`);
      expect((await getCart(g)).lines).toEqual([]);
    });

    test('a variant id in upper case names the same variant → 201, into the same line', async () => {
      // UUIDs are case-insensitive, and some clients write them in upper case
      // (Swift's UUID().uuidString); the DTO accepts them, so the add must too.
      const g = await guest();
      const v = await aVariant(t, { price: 700 });
      await add(g, v, 1);
      const res = await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: v.id.toUpperCase(), quantity: 2 })
        .expect(201);
      const cart = res.body as CartBody;
      expect(cart.lines).toHaveLength(1);
      expect(cart.lines[0]).toMatchObject({ variantId: v.id, quantity: 3, issues: [] });
      expect(cart.subtotal).toEqual({ amount: 2100, currency: 'EUR' });
    });

    test('more than available → 409 naming what is available', async () => {
      const g = await guest();
      const v = await aVariant(t, { stock: 10, reserved: 4 });
      await add(g, v, 5);
      const res = await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: v.id, quantity: 2 })
        .expect(409);
      expect(res.body.detail).toBe(`Only 6 of ${v.sku} available; the line would hold 7`);
    });

    test('adding past 99 in one line → 409, nothing changes', async () => {
      const g = await guest();
      const v = await aVariant(t, { stock: 1000 });
      await add(g, v, 95);
      const res = await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: v.id, quantity: 5 })
        .expect(409);
      expect(res.body.detail).toMatch(
        /at most 99: the cart already has 95 of .*adding 5 would make 100/,
      );
      expect((await getCart(g)).lines[0]?.quantity).toBe(95);
      expect((await add(g, v, 4)).lines[0]?.quantity).toBe(99);
    });
  });

  describe('size bound', () => {
    test(`POST /cart/items → 409 once the cart holds ${MAX_CART_LINES} different items; more of one it holds is fine`, async () => {
      const g = await guest();
      const variants: TestVariant[] = [];
      for (let i = 0; i <= MAX_CART_LINES; i++) variants.push(await aVariant(t));
      for (const v of variants.slice(0, MAX_CART_LINES)) await add({ token: g.token }, v, 1);
      const full = await t.http
        .post(`${API}/cart/items`)
        .set(as({ token: g.token }))
        .send({ variantId: variants[MAX_CART_LINES]!.id, quantity: 1 })
        .expect(409);
      expect(full.body.type).toMatch(/cart-full$/);
      const more = await add({ token: g.token }, variants[0]!, 2);
      expect(more.lines).toHaveLength(MAX_CART_LINES);
      expect(line(more, variants[0]!)?.quantity).toBe(3);
    });
  });

  describe('user carts', () => {
    test('GET /cart → 200 the user’s cart, created on first use, the same afterwards', async () => {
      const u = await aCustomer(t);
      const first = await getCart(u);
      expect(first.lines).toEqual([]);
      expect((await getCart(u)).id).toBe(first.id);
      const v = await aVariant(t);
      const cart = await add(u, v, 2);
      expect(cart.id).toBe(first.id);
    });

    test('concurrent first requests of one user make one active cart', async () => {
      const u = await aCustomer(t);
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => t.http.get(`${API}/cart`).set(u.auth)),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
      const rows = await db.query(`SELECT id FROM carts WHERE user_id = $1`, [u.id]);
      expect(rows).toHaveLength(1);
    });

    test('a signed-in user gets their own cart even when also sending a guest token', async () => {
      const u = await aCustomer(t);
      const g = await guest();
      const cart = (
        await t.http
          .get(`${API}/cart`)
          .set({ ...u.auth, 'X-Cart-Token': g.token })
          .expect(200)
      ).body as CartBody;
      expect(cart.id).not.toBe(g.cart.id);
    });

    test('a bad bearer token is 401, not a guest', async () => {
      const g = await guest();
      await t.http
        .get(`${API}/cart`)
        .set({ Authorization: 'Bearer nope', 'X-Cart-Token': g.token })
        .expect(401);
    });
  });

  describe('current prices and issues', () => {
    test('a repriced variant shows the new price and price_changed until the line is changed', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t, { price: 1000 });
      await add(u, v, 2);
      await setPrice(t, v.id, 1200);
      const cart = await getCart(u);
      expect(line(cart, v)).toMatchObject({
        unitPrice: { amount: 1200, currency: 'EUR' },
        lineTotal: { amount: 2400, currency: 'EUR' },
        issues: ['price_changed'],
      });
      expect(cart.subtotal.amount).toBe(2400);
      const res = await t.http
        .patch(`${API}/cart/items/${line(cart, v)!.id}`)
        .set(u.auth)
        .send({ quantity: 3 })
        .expect(200);
      expect(line(res.body, v)?.issues).toEqual([]);
    });

    test('archived and short-of-stock lines are flagged; lowering such a line is allowed', async () => {
      const g = await guest();
      const gone = await aVariant(t);
      const scarce = await aVariant(t, { stock: 10 });
      await add(g, gone, 1);
      await add(g, scarce, 5);
      await archiveProduct(t, gone.productId);
      await setStock(t, scarce.id, 10, 7);
      const cart = await getCart(g);
      expect(line(cart, gone)?.issues).toEqual(['archived']);
      expect(line(cart, scarce)?.issues).toEqual(['insufficient_stock']);
      await t.http
        .patch(`${API}/cart/items/${line(cart, gone)!.id}`)
        .set(as(g))
        .send({ quantity: 2 })
        .expect(409);
      const res = await t.http
        .patch(`${API}/cart/items/${line(cart, scarce)!.id}`)
        .set(as(g))
        .send({ quantity: 3 })
        .expect(200);
      expect(line(res.body, scarce)).toMatchObject({ quantity: 3, issues: [] });
    });
  });

  describe('merge', () => {
    test('POST /cart/merge sums lines, closes the guest cart, and twice has no effect', async () => {
      const u = await aCustomer(t);
      const a = await aVariant(t);
      const b = await aVariant(t);
      await add(u, a, 4);
      const g = await guest();
      await add(g, a, 3);
      await add(g, b, 2);
      const res = await t.http
        .post(`${API}/cart/merge`)
        .set(u.auth)
        .send({ cartToken: g.token })
        .expect(200);
      const merged = res.body as CartBody;
      expect(line(merged, a)?.quantity).toBe(7);
      expect(line(merged, b)?.quantity).toBe(2);
      expect(merged.itemCount).toBe(9);
      const [row] = await db.query<{ status: string }[]>('SELECT status FROM carts WHERE id = $1', [
        g.cart.id,
      ]);
      expect(row?.status).toBe('merged');

      // The closed guest cart is no longer usable.
      await t.http.get(`${API}/cart`).set(as(g)).expect(404);
      await t.http
        .post(`${API}/cart/items`)
        .set(as(g))
        .send({ variantId: a.id, quantity: 1 })
        .expect(404);

      const again = await t.http
        .post(`${API}/cart/merge`)
        .set(u.auth)
        .send({ cartToken: g.token })
        .expect(200);
      expect(again.body.lines).toEqual(merged.lines);
    });

    test("merged lines follow the account's own, in the order the guest added them", async () => {
      const u = await aCustomer(t);
      const own = await aVariant(t);
      await add(u, own, 1);
      const g = await guest();
      const added: TestVariant[] = [];
      for (let i = 0; i < 6; i++) {
        const v = await aVariant(t);
        await add(g, v, 1);
        added.push(v);
      }
      const res = await t.http
        .post(`${API}/cart/merge`)
        .set(u.auth)
        .send({ cartToken: g.token })
        .expect(200);
      const order = [own, ...added].map((v) => v.id);
      expect((res.body as CartBody).lines.map((l) => l.variantId)).toEqual(order);
      expect((await getCart(u)).lines.map((l) => l.variantId)).toEqual(order);
    });

    test('a guest cart merged into one account → 404 for any other account, which gets nothing', async () => {
      const a = await aVariant(t);
      const g = await guest();
      await add(g, a, 2);
      const owner = await aCustomer(t);
      const other = await aCustomer(t);
      const merge = (who: TestUser) =>
        t.http.post(`${API}/cart/merge`).set(who.auth).send({ cartToken: g.token });
      expect((await merge(owner)).status).toBe(200);

      const late = await merge(other);
      expect(late.status).toBe(404);
      expect(late.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await getCart(other)).lines).toEqual([]);
      // Its owner's retry is still answered as done.
      const retry = await merge(owner);
      expect(retry.status).toBe(200);
      expect(line(retry.body as CartBody, a)?.quantity).toBe(2);
    });

    test('merged quantities are capped at 99 and at the stock available, and the reply reports each cap', async () => {
      const u = await aCustomer(t);
      const plenty = await aVariant(t, { stock: 500 });
      const scarce = await aVariant(t, { stock: 6 });
      const full = await aVariant(t, { stock: 500 });
      const fits = await aVariant(t);
      await add(u, plenty, 60);
      await add(u, scarce, 4);
      await add(u, full, 99);
      const g = await guest();
      await add(g, plenty, 60);
      await add(g, scarce, 4);
      await add(g, full, 5);
      await add(g, fits, 2);
      const merged = (
        await t.http.post(`${API}/cart/merge`).set(u.auth).send({ cartToken: g.token }).expect(200)
      ).body as MergedCartBody;
      expect(line(merged, plenty)?.quantity).toBe(99);
      expect(line(merged, scarce)?.quantity).toBe(6);
      expect(line(merged, full)?.quantity).toBe(99);
      expect(line(merged, fits)?.quantity).toBe(2);
      expect(merged.merge).toEqual({
        capped: [
          { variantId: plenty.id, requested: 120, kept: 99, reason: 'line_limit' },
          { variantId: scarce.id, requested: 8, kept: 6, reason: 'insufficient_stock' },
        ],
        // Nothing of the guest's 5 fitted in a line already at 99.
        dropped: [{ variantId: full.id, quantity: 5, reason: 'line_limit' }],
      });
    });

    test('login and register with X-Cart-Token merge the guest cart and report, in cartMerge, what did not come over', async () => {
      const u = await registered(t);
      const kept = await aVariant(t);
      const gone = await aVariant(t);
      const g = await guest();
      await add(g, kept, 1);
      await add(g, gone, 2);
      await archiveProduct(t, gone.productId);
      const login = (headers: Record<string, string>) =>
        t.http
          .post(`${API}/auth/login`)
          .set(headers)
          .send({ email: u.email, password: u.password })
          .expect(200);

      const first = await login({ 'X-Cart-Token': g.token });
      expect(first.body.cartMerge).toEqual({
        dropped: [{ variantId: gone.id, quantity: 2, reason: 'archived' }],
        capped: [],
      });
      expect(line(await getCart(u), kept)?.quantity).toBe(1);
      // The same cart again: merged already, nothing more to report.
      expect((await login({ 'X-Cart-Token': g.token })).body.cartMerge).toEqual({
        dropped: [],
        capped: [],
      });
      // No guest cart sent: no report at all.
      expect(await login({})).not.toHaveProperty('body.cartMerge');

      const other = await guest();
      await add(other, kept, 1);
      const signedUp = await t.http
        .post(`${API}/auth/register`)
        .set('X-Cart-Token', other.token)
        .send({ email: `merge-${u.id}@example.test`, password: u.password, name: 'Merger' })
        .expect(201);
      expect(signedUp.body.cartMerge).toEqual({ dropped: [], capped: [] });
    });

    test('POST /cart/merge drops the lines of archived variants and reports them; a retry reports nothing', async () => {
      const u = await aCustomer(t);
      const kept = await aVariant(t);
      const gone = await aVariant(t);
      const goneToo = await aVariant(t);
      await add(u, goneToo, 1);
      const g = await guest();
      await add(g, kept, 1);
      await add(g, gone, 2);
      await add(g, goneToo, 3);
      await archiveProduct(t, gone.productId);
      await archiveProduct(t, goneToo.productId);
      const merge = () =>
        t.http.post(`${API}/cart/merge`).set(u.auth).send({ cartToken: g.token }).expect(200);
      const merged = (await merge()).body as MergedCartBody;
      expect(line(merged, kept)?.quantity).toBe(1);
      expect(line(merged, gone)).toBeUndefined();
      // The account's own line stays, flagged, and none of the guest's is added to it.
      expect(line(merged, goneToo)).toMatchObject({ quantity: 1, issues: ['archived'] });
      expect(merged.merge).toEqual({
        dropped: [
          { variantId: gone.id, quantity: 2, reason: 'archived' },
          { variantId: goneToo.id, quantity: 3, reason: 'archived' },
        ],
        capped: [],
      });

      const retried = (await merge()).body as MergedCartBody;
      expect(retried.lines).toEqual(merged.lines);
      expect(retried.merge).toEqual({ dropped: [], capped: [] });
    });

    test(`POST /cart/merge into a cart of ${MAX_CART_LINES} items drops the guest's other items as cart_full, and adds to the lines it holds`, async () => {
      const u = await aCustomer(t);
      const held: TestVariant[] = [];
      for (let i = 0; i < MAX_CART_LINES; i++) held.push(await aVariant(t));
      const userCart = await getCart(u);
      // Straight into the table: a hundred adds over HTTP test nothing more here.
      await db.query(
        `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_unit_price)
         SELECT $1, v, 1, 1299 FROM unnest($2::uuid[]) AS v`,
        [userCart.id, held.map((v) => v.id)],
      );
      const extra = await aVariant(t);
      const g = await guest();
      await add(g, held[0]!, 2);
      await add(g, extra, 1);
      const merged = (
        await t.http.post(`${API}/cart/merge`).set(u.auth).send({ cartToken: g.token }).expect(200)
      ).body as MergedCartBody;
      expect(merged.lines).toHaveLength(MAX_CART_LINES);
      expect(line(merged, held[0]!)?.quantity).toBe(3);
      expect(line(merged, extra)).toBeUndefined();
      expect(merged.merge).toEqual({
        dropped: [{ variantId: extra.id, quantity: 1, reason: 'cart_full' }],
        capped: [],
      });
    });

    test('POST /cart/merge keeps price_changed on lines repriced since they were added, the account’s or the guest’s', async () => {
      const u = await aCustomer(t);
      const held = await aVariant(t, { price: 1000 });
      const moved = await aVariant(t, { price: 500 });
      const readded = await aVariant(t, { price: 800 });
      const same = await aVariant(t, { price: 300 });
      await add(u, held, 2);
      await add(u, same, 1);
      const g = await guest();
      await add(g, held, 1);
      await add(g, moved, 1);
      await add(g, readded, 1);
      await add(g, same, 1);
      await setPrice(t, held.id, 1200);
      await setPrice(t, moved.id, 600);
      await setPrice(t, readded.id, 900);
      // The account adds after the change: only the guest line saw the old price.
      await add(u, readded, 1);
      expect(line(await getCart(u), readded)?.issues).toEqual([]);

      const merged = (
        await t.http.post(`${API}/cart/merge`).set(u.auth).send({ cartToken: g.token }).expect(200)
      ).body as MergedCartBody;
      expect(line(merged, held)).toMatchObject({ quantity: 3, issues: ['price_changed'] });
      expect(line(merged, moved)).toMatchObject({ quantity: 1, issues: ['price_changed'] });
      expect(line(merged, readded)).toMatchObject({ quantity: 2, issues: ['price_changed'] });
      expect(line(merged, same)).toMatchObject({ quantity: 2, issues: [] });
      expect(merged.merge).toEqual({ dropped: [], capped: [] });
      // Still flagged on the next read, until the shopper changes the line.
      expect(line(await getCart(u), held)?.issues).toEqual(['price_changed']);
    });

    test('concurrent merges of one guest cart count it once', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t);
      const g = await guest();
      await add(g, v, 3);
      const replies = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http.post(`${API}/cart/merge`).set(u.auth).send({ cartToken: g.token }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(5).fill(200));
      expect(line(await getCart(u), v)?.quantity).toBe(3);
    });

    test('unknown or malformed token → 404; without sign-in → 401', async () => {
      const u = await aCustomer(t);
      await t.http
        .post(`${API}/cart/merge`)
        .set(u.auth)
        .send({ cartToken: UNKNOWN_TOKEN })
        .expect(404);
      await t.http.post(`${API}/cart/merge`).set(u.auth).send({ cartToken: 'x' }).expect(404);
      await t.http.post(`${API}/cart/merge`).set(u.auth).send({}).expect(400);
      const g = await guest();
      await t.http.post(`${API}/cart/merge`).send({ cartToken: g.token }).expect(401);
    });

    test('an expired guest cart → 404 like an unknown one, and nothing of it moves', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t);
      const g = await guest();
      await add(g, v, 2);
      await db.query(`UPDATE carts SET status = 'expired' WHERE id = $1`, [g.cart.id]);
      const res = await t.http
        .post(`${API}/cart/merge`)
        .set(u.auth)
        .send({ cartToken: g.token })
        .expect(404);
      expect(res.body.detail).toMatch(/guest cart/);
      expect((await getCart(u)).lines).toEqual([]);
    });

    test('GuestCartAbsorber (the sign-in hook) merges, and ignores an unknown token', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t);
      const g = await guest();
      await add(g, v, 2);
      const absorber = t.get(GuestCartAbsorber);
      await absorber.absorb(u.id, g.token);
      await absorber.absorb(u.id, UNKNOWN_TOKEN);
      await absorber.absorb(u.id, g.token);
      expect(line(await getCart(u), v)?.quantity).toBe(2);
    });
  });

  describe('concurrency', () => {
    test('20 concurrent adds of one variant → one line of 20', async () => {
      const g = await guest();
      const v = await aVariant(t, { stock: 1000 });
      const replies = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.http.post(`${API}/cart/items`).set(as(g)).send({ variantId: v.id, quantity: 1 }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
      const cart = await getCart(g);
      expect(cart.lines).toHaveLength(1);
      expect(cart.lines[0]?.quantity).toBe(20);
    });

    test('concurrent adds past the cap: exactly the ones that fit succeed', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t, { stock: 1000 });
      await add(u, v, 90);
      const replies = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.http.post(`${API}/cart/items`).set(u.auth).send({ variantId: v.id, quantity: 2 }),
        ),
      );
      expect(replies.filter((r) => r.status === 201)).toHaveLength(4);
      expect(replies.filter((r) => r.status === 409)).toHaveLength(2);
      expect(line(await getCart(u), v)?.quantity).toBe(98);
    });
  });

  describe('ownership', () => {
    test("user B and other guests can neither read nor change user A's cart", async () => {
      const a = await aCustomer(t);
      const b = await aCustomer(t);
      const v = await aVariant(t);
      const cartA = await add(a, v, 3);
      const lineA = cartA.lines[0]!.id;
      const other = await guest();

      expect((await getCart(b)).lines).toEqual([]);
      for (const who of [b, other] as Who[]) {
        await t.http
          .patch(`${API}/cart/items/${lineA}`)
          .set(as(who))
          .send({ quantity: 9 })
          .expect(404);
        await t.http.delete(`${API}/cart/items/${lineA}`).set(as(who)).expect(404);
      }
      expect(await getCart(a)).toEqual(cartA);
    });

    test("a guest can neither change nor see another guest's lines", async () => {
      const g1 = await guest();
      const g2 = await guest();
      const v = await aVariant(t);
      const cart1 = await add(g1, v, 2);
      await t.http
        .patch(`${API}/cart/items/${cart1.lines[0]!.id}`)
        .set(as(g2))
        .send({ quantity: 5 })
        .expect(404);
      await t.http.delete(`${API}/cart/items/${cart1.lines[0]!.id}`).set(as(g2)).expect(404);
      expect(await getCart(g1)).toEqual(cart1);
      expect((await getCart(g2)).lines).toEqual([]);
    });
  });

  describe('expiry', () => {
    test('CartCleanupService.expireAbandoned expires guest carts untouched for 30 days', async () => {
      const old = await guest();
      const recent = await guest();
      const u = await aCustomer(t);
      const userCart = await getCart(u);
      await db.query(
        `UPDATE carts SET updated_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])`,
        [[old.cart.id, userCart.id]],
      );
      await db.query(`UPDATE carts SET updated_at = now() - interval '29 days' WHERE id = $1`, [
        recent.cart.id,
      ]);
      expect(await t.get(CartCleanupService).expireAbandoned(new Date())).toBe(1);
      await t.http.get(`${API}/cart`).set(as(old)).expect(404);
      await getCart(recent);
      expect((await getCart(u)).id).toBe(userCart.id);
    });

    test('CartCleanupService.deleteClosed deletes guest carts closed 30 days ago, with their lines, and only those', async () => {
      const variant = await aVariant(t);
      const expiredLongAgo = await guest();
      await add(expiredLongAgo, variant, 2);
      const mergedLongAgo = await guest();
      await add(mergedLongAgo, variant, 1);
      await t.http
        .post(`${API}/cart/merge`)
        .set((await aCustomer(t)).auth)
        .send({ cartToken: mergedLongAgo.token })
        .expect(200);
      const expiredLately = await guest();
      const untouched = await guest();
      const u = await aCustomer(t);
      const userCart = await getCart(u);
      const ids = [expiredLongAgo, expiredLately, untouched].map((g) => g.cart.id);
      await db.query(`UPDATE carts SET status = 'expired' WHERE id = ANY($1::uuid[])`, [
        [ids[0], ids[1]],
      ]);
      await db.query(
        `UPDATE carts SET updated_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])`,
        [[ids[0], mergedLongAgo.cart.id, ids[2], userCart.id]],
      );
      await db.query(`UPDATE carts SET updated_at = now() - interval '29 days' WHERE id = $1`, [
        ids[1],
      ]);

      expect(await t.get(CartCleanupService).deleteClosed(new Date())).toBe(2);
      const left = await db.query<{ id: string }[]>(
        'SELECT id FROM carts WHERE id = ANY($1::uuid[])',
        [[...ids, mergedLongAgo.cart.id, userCart.id]],
      );
      expect(left.map((r) => r.id).sort()).toEqual([ids[1], ids[2], userCart.id].sort());
      const lines = await db.query('SELECT 1 FROM cart_lines WHERE cart_id = ANY($1::uuid[])', [
        [ids[0], mergedLongAgo.cart.id],
      ]);
      expect(lines).toHaveLength(0);
      // Still open, however old: it is expired first, and deleted 30 days later.
      await getCart(untouched);
    });
  });

  describe('checkout port', () => {
    test('readForCheckout returns the lines sorted, at a version every write to them changes', async () => {
      const u = await aCustomer(t);
      const a = await aVariant(t);
      const b = await aVariant(t);
      await add(u, a, 2);
      const before = await add(u, b, 1);
      const port = t.get(CheckoutCartPort);
      const read = await port.readForCheckout(u.id);
      expect(read?.cartId).toBe(before.id);
      expect(read?.lines.map((l) => [l.variantId, l.quantity])).toEqual(
        [
          [a.id, 2],
          [b.id, 1],
        ].sort(([x], [y]) => String(x).localeCompare(String(y))),
      );
      // Checkout closes the cart only at the version it read: each kind of
      // write to the lines must move it on.
      const versions = [read!.version];
      const next = async () => {
        const v = (await port.readForCheckout(u.id))!.version;
        expect(versions).not.toContain(v);
        versions.push(v);
      };
      await add(u, a, 1);
      await next();
      const lineB = before.lines.find((l) => l.variantId === b.id)!.id;
      await t.http
        .patch(`${API}/cart/items/${lineB}`)
        .set(u.auth)
        .send({ quantity: 3 })
        .expect(200);
      await next();
      await t.http.delete(`${API}/cart/items/${lineB}`).set(u.auth).expect(200);
      await next();
      // Reading changes nothing.
      expect((await port.readForCheckout(u.id))!.version).toBe(versions.at(-1));
      await db.query(`UPDATE carts SET status = 'checked_out' WHERE id = $1`, [before.id]);
      expect(await port.readForCheckout(u.id)).toBeNull();
    });

    test('an add racing a checkout waits for it and then fails with 409, adding nothing', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t);
      const cart = await add(u, v, 1);
      const runner = db.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        // A checkout's write holding the cart row, as it does from closing
        // the cart until its commit.
        await runner.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [cart.id]);
        const racing = t.http
          .post(`${API}/cart/items`)
          .set(u.auth)
          .send({ variantId: v.id, quantity: 1 })
          .then((r) => r);
        // Wait (by state, not by time) until the add is blocked on the cart row.
        for (let i = 0; ; i++) {
          const [row] = await db.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          if ((row?.n ?? 0) > 0) break;
          if (i > 2000) throw new Error('the add never waited for the cart lock');
          await new Promise((r) => setImmediate(r));
        }
        await runner.query(
          `UPDATE carts SET status = 'checked_out', updated_at = now()
            WHERE id = $1 AND status = 'active'`,
          [cart.id],
        );
        await runner.commitTransaction();
        const res = await racing;
        expect(res.status).toBe(409);
        expect(res.body.detail).toMatch(/closed/);
      } finally {
        await runner.release();
      }
      const [row] = await db.query<{ quantity: number }[]>(
        'SELECT quantity FROM cart_lines WHERE cart_id = $1',
        [cart.id],
      );
      expect(row?.quantity).toBe(1);
    });
  });

  describe('guest writes racing the cart closing', () => {
    type Reply = { status: number; body: { type?: string } };

    /**
     * Sends `write` while another session holds the cart's row, as the expiry
     * job or a merge does from the moment it picks the cart until its commit:
     * the write has found the cart active and waits for its row lock; the
     * holder then closes the cart as `status` and commits.
     */
    async function writeWhileClosing(
      cartId: string,
      status: 'expired' | 'merged',
      write: () => PromiseLike<Reply>,
    ): Promise<Reply> {
      const runner = db.createQueryRunner();
      await runner.connect();
      try {
        await runner.startTransaction();
        await runner.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [cartId]);
        const racing = Promise.resolve(write());
        // Wait (by state, not by time) until the write is blocked on the cart row.
        for (let i = 0; ; i++) {
          const [row] = await db.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'
                AND query ~* '^UPDATE carts SET updated_at'`,
          );
          if ((row?.n ?? 0) > 0) break;
          if (i > 2000) throw new Error('the write never waited for the cart lock');
          await new Promise((r) => setImmediate(r));
        }
        await runner.query(
          `UPDATE carts SET status = $2, updated_at = now() WHERE id = $1 AND status = 'active'`,
          [cartId, status],
        );
        await runner.commitTransaction();
        return await racing;
      } finally {
        await runner.release();
      }
    }

    test('POST, PATCH and DELETE /cart/items of a guest cart expiring meanwhile → 404 cart-not-found, as once expired', async () => {
      const v = await aVariant(t);
      const writes: ((g: { token: string }, lineId: string) => PromiseLike<Reply>)[] = [
        (g) => t.http.post(`${API}/cart/items`).set(as(g)).send({ variantId: v.id, quantity: 1 }),
        (g, lineId) => t.http.patch(`${API}/cart/items/${lineId}`).set(as(g)).send({ quantity: 3 }),
        (g, lineId) => t.http.delete(`${API}/cart/items/${lineId}`).set(as(g)),
      ];
      for (const write of writes) {
        const g = await guest();
        const lineId = (await add(g, v, 2)).lines[0]!.id;
        const res = await writeWhileClosing(g.cart.id, 'expired', () => write(g, lineId));
        expect(res.status).toBe(404);
        expect(res.body.type).toMatch(/cart-not-found$/);
        const lines = await db.query<{ quantity: number }[]>(
          'SELECT quantity FROM cart_lines WHERE cart_id = $1',
          [g.cart.id],
        );
        expect(lines).toEqual([{ quantity: 2 }]);
      }
    });

    test('POST /cart/items of a guest cart merged meanwhile → 409 cart-closed, adding nothing', async () => {
      const v = await aVariant(t);
      const g = await guest();
      await add(g, v, 2);
      const res = await writeWhileClosing(g.cart.id, 'merged', () =>
        t.http.post(`${API}/cart/items`).set(as(g)).send({ variantId: v.id, quantity: 1 }),
      );
      expect(res.status).toBe(409);
      expect(res.body.type).toMatch(/cart-closed$/);
      const lines = await db.query<{ quantity: number }[]>(
        'SELECT quantity FROM cart_lines WHERE cart_id = $1',
        [g.cart.id],
      );
      expect(lines).toEqual([{ quantity: 2 }]);
    });
  });

  describe('GET /cart racing checkouts', () => {
    /** Sessions waiting for a lock whose statement matches `pattern`. */
    const waiting = async (pattern: string): Promise<boolean> => {
      const [row] = await db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ~* $1`,
        [pattern],
      );
      return (row?.n ?? 0) > 0;
    };
    const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; !(await check()); i++) {
        if (i > 5000) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setImmediate(r));
      }
    };
    /** A GET /cart under way, and whether it has been answered yet. */
    const aCartRead = (auth: Record<string, string>) => {
      const read = {
        finished: false,
        reply: t.http
          .get(`${API}/cart`)
          .set(auth)
          .then((r) => {
            read.finished = true;
            return r;
          }),
      };
      return read;
    };

    test('GET /cart while checkouts close the user’s cart again and again → 200, never a closed cart’s lines', async () => {
      const u = await aCustomer(t);
      const v = await aVariant(t);
      await add(u, v, 2);
      // Two sessions take turns holding cart_lines: each read of the cart
      // waits for one, and a checkout closes the user's cart meanwhile.
      const lockers = [db.createQueryRunner(), db.createQueryRunner()] as const;
      for (const r of lockers) await r.connect();
      const lock = async (i: number) => {
        await lockers[i]!.startTransaction();
        await lockers[i]!.query('LOCK TABLE cart_lines IN ACCESS EXCLUSIVE MODE');
      };
      const locked: (Promise<void> | undefined)[] = [lock(0), undefined];
      try {
        await locked[0];
        const reading = aCartRead(u.auth);
        let holder = 0;
        for (let round = 0; ; round++) {
          await until(
            'the read to wait for cart_lines, or to end',
            async () => reading.finished || (await waiting('^\\s*SELECT[\\s\\S]*cart_lines')),
          );
          if (reading.finished) break;
          if (round > 5) throw new Error('the read never ends');
          await db.query(
            `UPDATE carts SET status = 'checked_out', updated_at = now()
              WHERE user_id = $1 AND status = 'active'`,
            [u.id],
          );
          // The next holder queues behind the reader, so its next read waits again.
          const next = 1 - holder;
          locked[next] = lock(next);
          await until('the next lock to be queued', () => waiting('^LOCK TABLE cart_lines'));
          await lockers[holder]!.commitTransaction();
          holder = next;
        }
        const res = await reading.reply;
        expect(res.status).toBe(200);
        expect(res.body.lines).toEqual([]);
        const [active] = await db.query<{ id: string }[]>(
          `SELECT id FROM carts WHERE user_id = $1 AND status = 'active'`,
          [u.id],
        );
        expect(res.body.id).toBe(active?.id);
      } finally {
        for (const [i, r] of lockers.entries()) {
          await locked[i]?.catch(() => undefined);
          if (r.isTransactionActive) await r.commitTransaction();
          await r.release();
        }
      }
    });
    test('GET /cart of a user making their first cart while checkouts close each cart they find → 200', async () => {
      const u = await aCustomer(t);
      expect(await db.query(`SELECT id FROM carts WHERE user_id = $1`, [u.id])).toEqual([]);
      // The interleaving is driven by table locks queued in turn, never by
      // timing. A "creator" (SHARE mode: no other session can insert) makes
      // an active cart for the user, so the request's own insert waits and
      // then meets it; a "checkout" (ACCESS EXCLUSIVE) queued behind that
      // insert closes the cart before the request can read it.
      const sessions: QueryRunner[] = [];
      const pending: Promise<unknown>[] = [];
      /** A new session in a transaction, and its LOCK TABLE carts (granted or queued). */
      const session = async (
        mode: 'SHARE' | 'ACCESS EXCLUSIVE',
      ): Promise<{ r: QueryRunner; locked: Promise<unknown> }> => {
        const r = db.createQueryRunner();
        sessions.push(r);
        await r.connect();
        await r.startTransaction();
        let granted = false;
        const locked = r.query(`LOCK TABLE carts IN ${mode} MODE`).then(() => {
          granted = true;
        });
        pending.push(locked.catch(() => undefined));
        await until(
          `LOCK TABLE carts IN ${mode} MODE`,
          async () => granted || (await waiting(`^LOCK TABLE carts IN ${mode} MODE`)),
        );
        return { r, locked };
      };
      const ROUNDS = 5;
      try {
        let creator = (await session('SHARE')).r;
        await creator.query(`INSERT INTO carts (user_id) VALUES ($1)`, [u.id]);
        const reading = aCartRead(u.auth);
        let closed = 0;
        for (let round = 1; ; round++) {
          await until(
            'the request to insert a cart, or to end',
            async () => reading.finished || (await waiting('^\\s*INSERT INTO carts')),
          );
          if (reading.finished) break;
          if (round > ROUNDS) {
            // No more checkouts: the request meets this cart and keeps it.
            await creator.commitTransaction();
            break;
          }
          const { r: closer, locked: closing } = await session('ACCESS EXCLUSIVE');
          await creator.commitTransaction();
          await closing;
          await until('the request to read its cart', () =>
            waiting('^\\s*SELECT[\\s\\S]*FROM carts'),
          );
          await closer.query(
            `UPDATE carts SET status = 'checked_out' WHERE user_id = $1 AND status = 'active'`,
            [u.id],
          );
          closed++;
          const { r: next, locked: creating } = await session('SHARE');
          await closer.commitTransaction();
          await creating;
          await next.query(`INSERT INTO carts (user_id) VALUES ($1)`, [u.id]);
          creator = next;
        }
        const res = await reading.reply;
        expect(res.status).toBe(200);
        expect(closed).toBe(ROUNDS);
        expect(res.body.lines).toEqual([]);
        const active = await db.query<{ id: string }[]>(
          `SELECT id FROM carts WHERE user_id = $1 AND status = 'active'`,
          [u.id],
        );
        expect(active).toEqual([{ id: res.body.id }]);
      } finally {
        for (const r of sessions) if (r.isTransactionActive) await r.rollbackTransaction();
        await Promise.all(pending);
        for (const r of sessions) await r.release();
      }
    });
  });

  test('the OpenAPI document describes the cart routes', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        `${API}/cart`,
        `${API}/cart/items`,
        `${API}/cart/items/{lineId}`,
        `${API}/cart/merge`,
      ]),
    );
    expect(doc.components.schemas.CartDto.properties.lines).toBeDefined();
  });
});

/** The real resolver, keeping each resolution so a test can wait for all of them to end. */
class RecordingCartResolver extends CartResolver {
  readonly resolutions: Promise<unknown>[] = [];

  override resolve(caller: CartCaller): Promise<CartContext> {
    const resolution = super.resolve(caller);
    this.resolutions.push(resolution.catch(() => undefined));
    return resolution;
  }
}

describe('cart: a bad body changes nothing', () => {
  let t: TestApp;
  let db: DataSource;
  let resolver: RecordingCartResolver;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) =>
        b.overrideProvider(CartResolver).useFactory({
          factory: (carts: CartRepository) => new RecordingCartResolver(carts),
          inject: [CartRepository],
        }),
    });
    db = t.get(DataSource);
    resolver = t.get(CartResolver) as RecordingCartResolver;
  });
  afterAll(async () => {
    await t?.close();
  });

  const cartsOf = (user: TestUser) =>
    db.query<{ id: string }[]>('SELECT id FROM carts WHERE user_id = $1', [user.id]);

  test("a signed-in user's first POST /cart/items or PATCH /cart/items/:id with a bad body → 400, no cart is made", async () => {
    const u = await aCustomer(t);
    const v = await aVariant(t);
    for (const body of [
      { variantId: 'not-a-uuid', quantity: 0 },
      { variantId: v.id, quantity: 1, price: 1 },
    ]) {
      const res = await t.http.post(`${API}/cart/items`).set(u.auth).send(body).expect(400);
      expect(res.body.errors.length).toBeGreaterThan(0);
    }
    await t.http
      .patch(`${API}/cart/items/0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b`)
      .set(u.auth)
      .send({ quantity: -1 })
      .expect(400);
    // A cart being made for a refused request would end after its reply.
    await Promise.all(resolver.resolutions);
    expect(await cartsOf(u)).toEqual([]);

    const added = await t.http
      .post(`${API}/cart/items`)
      .set(u.auth)
      .send({ variantId: v.id, quantity: 1 })
      .expect(201);
    expect(await cartsOf(u)).toEqual([{ id: added.body.id }]);
  });

  test('a guest with a bad body → 400 whatever its token: the body is judged before the cart is looked for', async () => {
    const { cartToken } = (await t.http.post(`${API}/cart`).expect(201)).body as {
      cartToken: string;
    };
    // Without a token the lookup's 404 used to win the race; with one, the
    // validation settled first anyway, so those two only pin the order.
    for (const headers of [{}, { 'X-Cart-Token': UNKNOWN_TOKEN }, { 'X-Cart-Token': cartToken }]) {
      await t.http
        .post(`${API}/cart/items`)
        .set(headers)
        .send({ variantId: 'not-a-uuid', quantity: 0 })
        .expect(400);
    }
  });
});
