import { connect, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { hashOpaqueToken } from '../src/auth/opaque-token.js';
import { API, aProductBody } from './support/catalog.js';
import { aVariant, type TestVariant } from './support/catalog-fixtures.js';
import { openApi } from './support/fuzz.js';
import { anAddress } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, registered, type TestUser } from './support/users.js';

const PROBLEM = /^application\/problem\+json/;
const SOME_UUID = '00000000-0000-4000-8000-000000000001';
const ADDRESS = anAddress();

interface CartBody {
  id: string;
  lines: { id: string; quantity: number }[];
}

/** Every admin operation of the committed document, with its path params filled. */
const adminRoutes = Object.entries(openApi.paths)
  .filter(([path]) => path.startsWith('/api/v1/admin/'))
  .flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({
      method: method as 'get' | 'post' | 'patch' | 'delete',
      path: path.replace(/\{\w+\}/g, SOME_UUID),
      name: `${method.toUpperCase()} ${path}`,
    })),
  );

describe('OWASP API Top 10 probes', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TestUser;
  let alice: TestUser;
  let mallory: TestUser;
  let variant: TestVariant;

  beforeAll(async () => {
    // A deadline short enough for the stalled-request probe, long enough that
    // an ordinary request on a loaded machine never meets it.
    t = await startTestApp({ env: { BODY_LIMIT_BYTES: '4096', REQUEST_TIMEOUT_MS: '3000' } });
    db = t.get(DataSource);
    admin = await anAdmin(t);
    alice = await aCustomer(t);
    mallory = await aCustomer(t);
    variant = await aVariant(t, { stock: 50 });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function aliceCart(): Promise<CartBody> {
    const res = await t.http
      .post(`${API}/cart/items`)
      .set(alice.auth)
      .send({ variantId: variant.id, quantity: 2 })
      .expect(201);
    return res.body as CartBody;
  }

  describe('API1 broken object level authorisation (carts)', () => {
    test("another user's cart line → 404 on change and delete; Alice's cart unchanged", async () => {
      const cart = await aliceCart();
      const line = cart.lines[0]!;
      const before = await t.http.get(`${API}/cart`).set(alice.auth).expect(200);

      const patch = await t.http
        .patch(`${API}/cart/items/${line.id}`)
        .set(mallory.auth)
        .send({ quantity: 99 });
      expect(patch.status).toBe(404);
      expect(patch.headers['content-type']).toMatch(PROBLEM);
      const del = await t.http.delete(`${API}/cart/items/${line.id}`).set(mallory.auth);
      expect(del.status).toBe(404);

      const after = await t.http.get(`${API}/cart`).set(alice.auth).expect(200);
      expect(after.body).toEqual(before.body);
      const [row] = await db.query<{ quantity: number }[]>(
        'SELECT quantity FROM cart_lines WHERE id = $1',
        [line.id],
      );
      expect(row?.quantity).toBe(line.quantity);
    });

    test("a guest cart token cannot reach a user's line either", async () => {
      const cart = await aliceCart();
      const guest = await t.http.post(`${API}/cart`).expect(201);
      const token = (guest.body as { cartToken: string }).cartToken;
      const res = await t.http
        .patch(`${API}/cart/items/${cart.lines[0]!.id}`)
        .set('X-Cart-Token', token)
        .send({ quantity: 1 });
      expect(res.status).toBe(404);
    });
  });

  describe('API1 broken object level authorisation (orders)', () => {
    async function aliceOrder(): Promise<{ id: string; status: string }> {
      await aliceCart();
      const res = await t.http
        .post(`${API}/checkout`)
        .set(alice.auth)
        .set('Idempotency-Key', `bola-${Date.now()}-${Math.random()}`)
        .send({ shippingAddress: ADDRESS })
        .expect(201);
      return (res.body as { order: { id: string; status: string } }).order;
    }

    test("another user's order → 404 on read and cancel; the order and its stock unchanged", async () => {
      const order = await aliceOrder();
      const [before] = await db.query<{ reserved: number }[]>(
        'SELECT reserved FROM variants WHERE id = $1',
        [variant.id],
      );
      const read = await t.http.get(`${API}/orders/${order.id}`).set(mallory.auth);
      expect(read.status).toBe(404);
      expect(read.headers['content-type']).toMatch(PROBLEM);
      const cancel = await t.http.post(`${API}/orders/${order.id}/cancel`).set(mallory.auth);
      expect(cancel.status).toBe(404);
      const list = await t.http.get(`${API}/orders`).set(mallory.auth).expect(200);
      expect((list.body as { items: { id: string }[] }).items.map((o) => o.id)).not.toContain(
        order.id,
      );

      const own = await t.http.get(`${API}/orders/${order.id}`).set(alice.auth).expect(200);
      expect((own.body as { status: string }).status).toBe('pending_payment');
      const [after] = await db.query<{ reserved: number }[]>(
        'SELECT reserved FROM variants WHERE id = $1',
        [variant.id],
      );
      expect(after).toEqual(before);
    });

    test('checkout with status/userId/total/items in the body → 400, no order made', async () => {
      const customer = await aCustomer(t);
      await t.http
        .post(`${API}/cart/items`)
        .set(customer.auth)
        .send({ variantId: variant.id, quantity: 1 })
        .expect(201);
      for (const extra of [
        { status: 'paid' },
        { userId: alice.id },
        { total: { amount: 1, currency: 'EUR' } },
        { lines: [{ variantId: variant.id, quantity: 1, unitPrice: 1 }] },
        { reserved: 0 },
      ]) {
        const res = await t.http
          .post(`${API}/checkout`)
          .set(customer.auth)
          .set('Idempotency-Key', `mass-${Object.keys(extra)[0]}`)
          .send({ shippingAddress: ADDRESS, ...extra });
        expect(res.status).toBe(400);
      }
      const orders = await db.query<unknown[]>('SELECT 1 FROM orders WHERE user_id = $1', [
        customer.id,
      ]);
      expect(orders).toHaveLength(0);
    });
  });

  describe('API5 broken function level authorisation: every admin route', () => {
    test.each(adminRoutes.map((r) => [r.name, r] as const))(
      '%s → 401 anonymous, 403 customer',
      async (_name, route) => {
        const anon = await t.http[route.method](route.path).send({});
        expect(anon.status).toBe(401);
        expect(anon.headers['content-type']).toMatch(PROBLEM);
        const customer = await t.http[route.method](route.path).set(alice.auth).send({});
        expect(customer.status).toBe(403);
        expect(customer.headers['content-type']).toMatch(PROBLEM);
      },
    );

    test('the list of admin routes probed is not empty', () => {
      expect(adminRoutes.length).toBeGreaterThanOrEqual(10);
    });
  });

  describe('API3 mass assignment: server-owned fields in bodies → 400, never stored', () => {
    test('cart item with price/userId/reserved/status → 400, nothing added', async () => {
      const customer = await aCustomer(t);
      for (const extra of [
        { price: 1 },
        { unitPrice: { amount: 1, currency: 'EUR' } },
        { userId: alice.id },
        { reserved: 0 },
        { status: 'checked_out' },
      ]) {
        const res = await t.http
          .post(`${API}/cart/items`)
          .set(customer.auth)
          .send({ variantId: variant.id, quantity: 1, ...extra });
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM);
      }
      const cart = await t.http.get(`${API}/cart`).set(customer.auth);
      expect([200, 404]).toContain(cart.status);
      if (cart.status === 200) expect((cart.body as CartBody).lines).toEqual([]);
    });

    test('register with role=admin → 400 and no account', async () => {
      const email = `mass-${Date.now()}@example.test`;
      const res = await t.http
        .post(`${API}/auth/register`)
        .send({ email, password: 'a-long-enough-password', name: 'M', role: 'admin' });
      expect(res.status).toBe(400);
      const rows = await db.query<unknown[]>('SELECT 1 FROM users WHERE email = $1', [email]);
      expect(rows).toHaveLength(0);
    });

    test('admin variant PATCH with reserved / onHand → 400, stock untouched', async () => {
      const [before] = await db.query<{ on_hand: number; reserved: number }[]>(
        'SELECT on_hand, reserved FROM variants WHERE id = $1',
        [variant.id],
      );
      for (const extra of [{ reserved: 0 }, { onHand: 1_000_000 }, { productId: SOME_UUID }]) {
        const res = await t.http
          .patch(`${API}/admin/variants/${variant.id}`)
          .set(admin.auth)
          .send({ name: 'Renamed', ...extra });
        expect(res.status).toBe(400);
      }
      const [after] = await db.query<{ on_hand: number; reserved: number; name: string }[]>(
        'SELECT on_hand, reserved, name FROM variants WHERE id = $1',
        [variant.id],
      );
      expect(after).toMatchObject({ ...before, name: 'Default' });
    });

    test('admin product create with id / minPrice → 400, not created', async () => {
      const body = aProductBody();
      for (const extra of [{ id: SOME_UUID }, { minPrice: 1 }, { createdAt: '2000-01-01' }]) {
        const res = await t.http
          .post(`${API}/admin/products`)
          .set(admin.auth)
          .send({ ...body, ...extra });
        expect(res.status).toBe(400);
      }
      const rows = await db.query<unknown[]>('SELECT 1 FROM products WHERE name = $1', [body.name]);
      expect(rows).toHaveLength(0);
    });
  });

  describe('API4 unrestricted resource consumption', () => {
    test('limit=1000 on the product list → 400 problem', async () => {
      const res = await t.http.get(`${API}/products?limit=1000`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    test('a body over BODY_LIMIT_BYTES → 413 problem, on public and admin routes', async () => {
      const big = { email: `${'x'.repeat(5000)}@example.test`, password: 'p' };
      const pub = await t.http.post(`${API}/auth/login`).send(big);
      expect(pub.status).toBe(413);
      expect(pub.headers['content-type']).toMatch(PROBLEM);
      const adm = await t.http
        .post(`${API}/admin/categories`)
        .set(admin.auth)
        .send({ name: 'x'.repeat(5000) });
      expect(adm.status).toBe(413);
    });

    test('a body nested 40 levels deep → 400 problem before validation', async () => {
      let nested: unknown = 1;
      for (let i = 0; i < 40; i++) nested = [nested];
      const res = await t.http
        .post(`${API}/cart/items`)
        .set(alice.auth)
        .send({ variantId: variant.id, quantity: nested });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM);
    });

    test('a client that sends headers then trickles the body is cut off; others are served meanwhile', async () => {
      await t.app.listen(0, '127.0.0.1');
      const address = t.app.getHttpServer().address() as { port: number };
      const socket: Socket = connect(address.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Content-Length: 4000\r\n\r\n{"email":"',
      );
      // One byte every 100 ms: 4000 bytes would take over six minutes.
      let sent = 0;
      let cutOff = false;
      void closed.then(() => (cutOff = true));
      const trickle = setInterval(() => {
        if (!socket.destroyed && sent < 3_900) {
          sent += 1;
          socket.write('a');
        }
      }, 100);
      try {
        // While the slow client holds its connection, others get answers.
        const other = await fetch(`http://127.0.0.1:${address.port}/api/v1/products?limit=1`);
        expect(other.status).toBe(200);
        await closed;
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
      expect(cutOff).toBe(true);
      expect(sent).toBeLessThan(3_900);
      // Answered before the close: 408 (Node's request timeout) or 503 (the deadline).
      expect(received).toMatch(/^HTTP\/1\.1 (408|503)/);
      const after = await fetch(`http://127.0.0.1:${address.port}/health/live`);
      expect(after.status).toBe(200);
    });
  });
  describe('a request answered 503 at its deadline changed nothing', () => {
    test('a refresh stalled past REQUEST_TIMEOUT_MS rolls back: the retry with the same token refreshes, not revokes', async () => {
      const user = await registered(t);
      // Another transaction holds the token's row, as a stalled database
      // would: the refresh waits past its deadline (3 s here) and gets its 503.
      const blocker = db.createQueryRunner();
      await blocker.connect();
      await blocker.startTransaction();
      const refresh = () =>
        t.http.post(`${API}/auth/refresh`).send({ refreshToken: user.refreshToken });
      try {
        await blocker.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [
          hashOpaqueToken(user.refreshToken),
        ]);
        const late = await refresh();
        expect(late.status).toBe(503);
        expect(late.body.detail).toMatch(/did not complete within 3000 ms/);
      } finally {
        await blocker.rollbackTransaction();
        await blocker.release();
      }
      // The stalled refresh now goes on, spends the token and issues a pair
      // nobody received, then rolls back. The retry waits on its row lock,
      // and finds the token unspent: had the first committed, this would be
      // reuse (401), and the family revoked.
      const retry = await refresh();
      expect(retry.status).toBe(200);
      const next = await t.http
        .post(`${API}/auth/refresh`)
        .send({ refreshToken: (retry.body as { refreshToken: string }).refreshToken });
      expect(next.status).toBe(200);
      const [row] = await db.query<{ tokens: number }[]>(
        'SELECT count(*)::int AS tokens FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
        [user.id],
      );
      // The registration's, the retry's and the last one's; none from the 503.
      expect(row?.tokens).toBe(3);
    });

    test('a replayed token whose revocation is stalled past REQUEST_TIMEOUT_MS still revokes its family', async () => {
      const user = await registered(t);
      const rotated = await t.http
        .post(`${API}/auth/refresh`)
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      const successor = (rotated.body as { refreshToken: string }).refreshToken;
      const blocker = db.createQueryRunner();
      await blocker.connect();
      await blocker.startTransaction();
      try {
        await blocker.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE', [
          hashOpaqueToken(user.refreshToken),
        ]);
        // The spent token again, as a thief would: its check for reuse waits
        // on the row past the deadline.
        const replay = await t.http
          .post(`${API}/auth/refresh`)
          .send({ refreshToken: user.refreshToken });
        expect(replay.status).toBe(503);
      } finally {
        await blocker.rollbackTransaction();
        await blocker.release();
      }
      // The revocation commits though its request was answered: the
      // successor the replay's owner (or thief) holds no longer refreshes.
      let revoked = false;
      for (let i = 0; i < 50 && !revoked; i++) {
        const [family] = await db.query<{ live: number }[]>(
          'SELECT count(*)::int AS live FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
          [user.id],
        );
        revoked = family?.live === 0;
        if (!revoked) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(revoked).toBe(true);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: successor }).expect(401);
    });
  });
});
