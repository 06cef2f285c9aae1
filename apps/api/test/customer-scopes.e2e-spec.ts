import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type Scope, SCOPES } from '@minishop/domain';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';

import { aCart, anAddress, anOrderOf, aVariant, checkout } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser, withScopes } from './support/users.js';

const API = '/api/v1';

/** What each customer route requires of a signed-in caller's token (customers hold `cart:write orders:read orders:write`). */
const CUSTOMER_ROUTE_SCOPES: Record<string, Scope[]> = {
  'GET /api/v1/cart': ['cart:write'],
  'POST /api/v1/cart/items': ['cart:write'],
  'PATCH /api/v1/cart/items/{lineId}': ['cart:write'],
  'DELETE /api/v1/cart/items/{lineId}': ['cart:write'],
  'POST /api/v1/cart/merge': ['cart:write'],
  'POST /api/v1/checkout': ['cart:write', 'orders:read'],
  'GET /api/v1/orders': ['orders:read'],
  'GET /api/v1/orders/{id}': ['orders:read'],
  'POST /api/v1/orders/{id}/cancel': ['orders:read', 'orders:write'],
};

/**
 * Routes for which being signed in is enough: they act on the caller's own
 * account (the password change asks for the current password instead).
 */
const AUTHENTICATION_ONLY = ['GET /api/v1/me', 'PATCH /api/v1/me', 'POST /api/v1/me/password'];

interface Operation {
  security?: Record<string, string[]>[];
  'x-required-scopes'?: Scope[];
  responses: Record<string, unknown>;
}
type Paths = Record<string, Record<string, Operation>>;

function expectMissingScope(res: Response, scope: Scope): void {
  expect(res.status).toBe(403);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 403 });
  expect(res.body.detail).toContain(scope);
}

describe('scopes on customer routes', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The customer's own token, less one scope. */
  const lacking = (user: TestUser, scope: Scope): TestUser =>
    withScopes(
      t,
      user,
      (['cart:write', 'orders:read', 'orders:write'] as const).filter((s) => s !== scope),
    );

  const cartLines = async (user: TestUser) =>
    (await t.http.get(`${API}/cart`).set(user.auth).expect(200)).body.lines as {
      id: string;
      quantity: number;
    }[];

  async function aCustomerWithALine() {
    const user = await aCustomer(t);
    const variant = await aVariant(t, { stock: 10 });
    const added = await t.http
      .post(`${API}/cart/items`)
      .set(user.auth)
      .send({ variantId: variant.id, quantity: 1 })
      .expect(201);
    return { user, variant, lineId: added.body.lines[0].id as string };
  }

  const anOrder = async (user: TestUser): Promise<string> =>
    (await anOrderOf(t, user, await aVariant(t, { stock: 5 }))).orderId;

  describe('cart', () => {
    test('GET /cart without cart:write → 403; with the customer token → 200', async () => {
      const user = await aCustomer(t);
      expectMissingScope(
        await t.http.get(`${API}/cart`).set(lacking(user, 'cart:write').auth),
        'cart:write',
      );
      await t.http.get(`${API}/cart`).set(user.auth).expect(200);
    });

    test('POST /cart/items without cart:write → 403 and nothing is added', async () => {
      const user = await aCustomer(t);
      const variant = await aVariant(t, { stock: 10 });
      const body = { variantId: variant.id, quantity: 2 };
      expectMissingScope(
        await t.http.post(`${API}/cart/items`).set(lacking(user, 'cart:write').auth).send(body),
        'cart:write',
      );
      expect(await cartLines(user)).toEqual([]);
      await t.http.post(`${API}/cart/items`).set(user.auth).send(body).expect(201);
      expect(await cartLines(user)).toEqual([expect.objectContaining({ quantity: 2 })]);
    });

    test('PATCH /cart/items/:lineId without cart:write → 403 and the quantity stays', async () => {
      const { user, lineId } = await aCustomerWithALine();
      expectMissingScope(
        await t.http
          .patch(`${API}/cart/items/${lineId}`)
          .set(lacking(user, 'cart:write').auth)
          .send({ quantity: 5 }),
        'cart:write',
      );
      expect(await cartLines(user)).toEqual([expect.objectContaining({ quantity: 1 })]);
      await t.http
        .patch(`${API}/cart/items/${lineId}`)
        .set(user.auth)
        .send({ quantity: 5 })
        .expect(200);
      expect(await cartLines(user)).toEqual([expect.objectContaining({ quantity: 5 })]);
    });

    test('DELETE /cart/items/:lineId without cart:write → 403 and the line stays', async () => {
      const { user, lineId } = await aCustomerWithALine();
      expectMissingScope(
        await t.http.delete(`${API}/cart/items/${lineId}`).set(lacking(user, 'cart:write').auth),
        'cart:write',
      );
      expect(await cartLines(user)).toHaveLength(1);
      await t.http.delete(`${API}/cart/items/${lineId}`).set(user.auth).expect(200);
      expect(await cartLines(user)).toEqual([]);
    });

    test('POST /cart/merge without cart:write → 403 and the guest cart stays open', async () => {
      const user = await aCustomer(t);
      const variant = await aVariant(t, { stock: 10 });
      const guest = (await t.http.post(`${API}/cart`).expect(201)).body.cartToken as string;
      await t.http
        .post(`${API}/cart/items`)
        .set('X-Cart-Token', guest)
        .send({ variantId: variant.id, quantity: 3 })
        .expect(201);

      expectMissingScope(
        await t.http
          .post(`${API}/cart/merge`)
          .set(lacking(user, 'cart:write').auth)
          .send({ cartToken: guest }),
        'cart:write',
      );
      const still = await t.http.get(`${API}/cart`).set('X-Cart-Token', guest).expect(200);
      expect(still.body.lines).toEqual([expect.objectContaining({ quantity: 3 })]);
      expect(await cartLines(user)).toEqual([]);

      await t.http.post(`${API}/cart/merge`).set(user.auth).send({ cartToken: guest }).expect(200);
      expect(await cartLines(user)).toEqual([expect.objectContaining({ quantity: 3 })]);
    });

    test('guests need no scope: X-Cart-Token alone reads and changes the guest cart', async () => {
      const variant = await aVariant(t, { stock: 10 });
      const guest = (await t.http.post(`${API}/cart`).expect(201)).body.cartToken as string;
      const added = await t.http
        .post(`${API}/cart/items`)
        .set('X-Cart-Token', guest)
        .send({ variantId: variant.id, quantity: 1 })
        .expect(201);
      const lineId = added.body.lines[0].id as string;
      await t.http
        .patch(`${API}/cart/items/${lineId}`)
        .set('X-Cart-Token', guest)
        .send({ quantity: 4 })
        .expect(200);
      const read = await t.http.get(`${API}/cart`).set('X-Cart-Token', guest).expect(200);
      expect(read.body.lines).toEqual([expect.objectContaining({ id: lineId, quantity: 4 })]);
      const removed = await t.http
        .delete(`${API}/cart/items/${lineId}`)
        .set('X-Cart-Token', guest)
        .expect(200);
      expect(removed.body.lines).toEqual([]);
    });

    test('a token without cart:write is refused, never treated as the guest of its X-Cart-Token', async () => {
      const user = await aCustomer(t);
      const variant = await aVariant(t, { stock: 10 });
      const guest = (await t.http.post(`${API}/cart`).expect(201)).body.cartToken as string;
      expectMissingScope(
        await t.http
          .post(`${API}/cart/items`)
          .set(lacking(user, 'cart:write').auth)
          .set('X-Cart-Token', guest)
          .send({ variantId: variant.id, quantity: 1 }),
        'cart:write',
      );
      const read = await t.http.get(`${API}/cart`).set('X-Cart-Token', guest).expect(200);
      expect(read.body.lines).toEqual([]);
    });
  });

  describe('checkout and orders', () => {
    test.each(['cart:write', 'orders:read'] as const)(
      'POST /checkout without %s → 403, no order and the cart stays open',
      async (scope) => {
        const user = await aCustomer(t);
        await aCart(t, user, [{ variant: await aVariant(t, { stock: 5 }), quantity: 2 }]);
        const key = randomUUID();
        expectMissingScope(await checkout(t, lacking(user, scope), key), scope);
        const orders = await db.query('SELECT id FROM orders WHERE user_id = $1', [user.id]);
        expect(orders).toEqual([]);
        expect(await cartLines(user)).toEqual([expect.objectContaining({ quantity: 2 })]);
        // The refused attempt did not claim the key either.
        const res = await checkout(t, user, key, { shippingAddress: anAddress() });
        expect(res.status).toBe(201);
      },
    );

    test('GET /orders and GET /orders/:id without orders:read → 403; with it → 200', async () => {
      const user = await aCustomer(t);
      const orderId = await anOrder(user);
      const without = lacking(user, 'orders:read');
      expectMissingScope(await t.http.get(`${API}/orders`).set(without.auth), 'orders:read');
      expectMissingScope(
        await t.http.get(`${API}/orders/${orderId}`).set(without.auth),
        'orders:read',
      );
      const list = await t.http.get(`${API}/orders`).set(user.auth).expect(200);
      expect(list.body.items).toEqual([expect.objectContaining({ id: orderId })]);
      await t.http.get(`${API}/orders/${orderId}`).set(user.auth).expect(200);
    });

    test.each(['orders:write', 'orders:read'] as const)(
      'POST /orders/:id/cancel without %s → 403 and the order stays open; with the customer token → 200',
      async (scope) => {
        const user = await aCustomer(t);
        const orderId = await anOrder(user);
        expectMissingScope(
          await t.http.post(`${API}/orders/${orderId}/cancel`).set(lacking(user, scope).auth),
          scope,
        );
        const [row] = await db.query('SELECT status FROM orders WHERE id = $1', [orderId]);
        expect(row.status).toBe('pending_payment');
        const res = await t.http.post(`${API}/orders/${orderId}/cancel`).set(user.auth).expect(200);
        expect(res.body.status).toBe('cancelled');
      },
    );

    test('a token with orders:read and orders:write alone may cancel', async () => {
      const user = await aCustomer(t);
      const orderId = await anOrder(user);
      const res = await t.http
        .post(`${API}/orders/${orderId}/cancel`)
        .set(withScopes(t, user, ['orders:read', 'orders:write']).auth)
        .expect(200);
      expect(res.body.status).toBe('cancelled');
    });

    test('a customer who registers holds orders:write and cancels with that token', async () => {
      const reg = await t.http
        .post(`${API}/auth/register`)
        .send({
          email: `scopes-${randomUUID()}@example.test`,
          password: 'a-long-passphrase-1',
          name: 'Cat',
        })
        .expect(201);
      const accessToken = reg.body.accessToken as string;
      const claims = JSON.parse(
        Buffer.from(accessToken.split('.')[1]!, 'base64url').toString(),
      ) as { scope: string };
      expect(claims.scope.split(' ')).toEqual(['cart:write', 'orders:read', 'orders:write']);
      const user: TestUser = {
        id: reg.body.user.id as string,
        email: reg.body.user.email as string,
        role: 'customer',
        accessToken,
        auth: { Authorization: `Bearer ${accessToken}` },
      };
      const orderId = await anOrder(user);
      const res = await t.http.post(`${API}/orders/${orderId}/cancel`).set(user.auth).expect(200);
      expect(res.body.status).toBe('cancelled');
    });
  });

  describe('the OpenAPI document', () => {
    let paths: Paths;
    beforeAll(async () => {
      paths = (await t.http.get('/docs/openapi.json').expect(200)).body.paths as Paths;
    });
    const operations = () =>
      Object.entries(paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ method, path, op })),
      );

    test('declares the scopes of every customer route, in x-required-scopes and in security', () => {
      for (const [route, scopes] of Object.entries(CUSTOMER_ROUTE_SCOPES)) {
        const [method, path] = route.split(' ') as [string, string];
        const op = paths[path]?.[method.toLowerCase()];
        expect({ route, required: op?.['x-required-scopes'] }).toEqual({
          route,
          required: scopes,
        });
        expect({ route, bearer: op?.security?.[0]?.bearer }).toEqual({ route, bearer: scopes });
        expect(op?.responses['403']).toBeDefined();
      }
      // Cart routes stay open to guests; the rest need a token.
      expect(paths['/api/v1/cart/items']?.post?.security).toEqual([{ bearer: ['cart:write'] }, {}]);
      expect(paths['/api/v1/checkout']?.post?.security).toEqual([
        { bearer: ['cart:write', 'orders:read'] },
      ]);
    });

    test('every operation that takes a bearer token declares its scopes, unless it only acts on the caller’s account', () => {
      const unscoped = operations()
        .filter(({ op }) => op.security?.some((s) => 'bearer' in s))
        .filter(({ op }) => !op['x-required-scopes']?.length)
        .map(({ method, path }) => `${method.toUpperCase()} ${path}`);
      expect(unscoped).toEqual(AUTHENTICATION_ONLY);
    });

    // The document is checked against what the guards do, route by route: a
    // token lacking any one declared scope is refused, one holding exactly
    // the declared scopes gets past the guards. An admin account, so the
    // role permits every scope and only the token's claim decides.
    test('x-required-scopes is what the guards enforce, on every operation', async () => {
      const admin = await anAdmin(t);
      const scoped = operations().filter(({ op }) => op['x-required-scopes']?.length);
      expect(scoped.length).toBeGreaterThan(Object.keys(CUSTOMER_ROUTE_SCOPES).length);
      for (const { method, path, op } of scoped) {
        const name = `${method.toUpperCase()} ${path}`;
        const required = op['x-required-scopes']!;
        const url = path.replace(/\{[^}]+\}/g, () => randomUUID());
        const call = (who: TestUser) => {
          const req = t.http[method as 'get' | 'post' | 'patch' | 'delete'](url).set(who.auth);
          // An unknown field: past the guards, validation refuses it, so nothing changes.
          return ['post', 'patch', 'put'].includes(method) ? req.send({ unexpected: true }) : req;
        };
        for (const scope of required) {
          const res = await call(
            withScopes(
              t,
              admin,
              SCOPES.filter((s) => s !== scope),
            ),
          );
          expect({ name, without: scope, status: res.status }).toEqual({
            name,
            without: scope,
            status: 403,
          });
        }
        const res = await call(withScopes(t, admin, required));
        const outcome =
          res.status === 401 || res.status === 403 ? `refused ${res.status}` : 'let in';
        expect({ name, outcome }).toEqual({ name, outcome: 'let in' });
      }
    });
  });
});
