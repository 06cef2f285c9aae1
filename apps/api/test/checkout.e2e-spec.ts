import { randomUUID } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { PaymentProviderError } from '@minishop/domain';
import { DataSource, type EntityManager } from 'typeorm';

import { CartRepository } from '../src/cart/cart.repository.js';
import {
  type CartCaller,
  type CartContext,
  CartResolver,
} from '../src/cart/cart-resolver.service.js';
import { CheckoutCartPort } from '../src/cart/checkout-cart.port.js';
import { StoredCheckoutReplies1764700001000 } from '../src/infrastructure/database/migrations/1764700001000-stored-checkout-replies.js';
import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import {
  IDEMPOTENCY_KEY_RETENTION_HOURS,
  IdempotencyKeyCleanupService,
} from '../src/maintenance/idempotency-key-cleanup.service.js';
import { type CartForCheckout, CheckoutCart } from '../src/orders/checkout-cart.js';
import { CheckoutWriter } from '../src/orders/checkout-writer.js';
import { OrderRepository } from '../src/orders/order.repository.js';
import { OrderExpiryService } from '../src/orders/order-expiry.service.js';
import { OrderNotifications } from '../src/orders/order-notifications.js';
import { CartModuleCheckoutCart } from '../src/orders/persistence/cart-module-checkout-cart.js';
import {
  type CreateIntentInput,
  PaymentGateway,
  type PaymentIntentRef,
} from '../src/payments/payment-gateway.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { StripePaymentGateway } from '../src/payments/stripe/stripe-payment-gateway.js';
import { DelegatingGateway } from './support/delegating-gateway.js';
import { hostedEmulator } from './support/emulator.js';
import { aCart, anAddress, aVariant, checkout, stockOf } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin } from './support/users.js';

/** Lines as checkout snapshots them, for a write made by hand. */
function snapshotLines(variants: { id: string; sku: string; price: number }[]) {
  return variants.map((v) => ({
    id: randomUUID(),
    variantId: v.id,
    sku: v.sku,
    name: 'x',
    quantity: 1,
    unitPrice: v.price,
    lineTotal: v.price,
  }));
}

/** CheckoutWriter.write of these lines, as checkout would make it from `cart`, with a mail to `email`. */
async function writeByHand(
  t: TestApp,
  user: { id: string; email: string },
  cart: { id: string; version: string },
  key: string,
  lines: ReturnType<typeof snapshotLines>,
) {
  const total = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const orderId = randomUUID();
  const mail = await t
    .get(OrderNotifications)
    .orderPlacedStatement({ orderId, buyerEmail: user.email, total, currency: 'EUR' });
  return t.get(CheckoutWriter).write({
    claim: { userId: user.id, scope: 'checkout', key, requestHash: 'h', owner: null },
    cart,
    order: {
      id: orderId,
      userId: user.id,
      checkoutKey: key,
      currency: 'EUR',
      subtotal: total,
      total,
      shippingAddress: anAddress(),
      reservationExpiresAt: new Date(Date.now() + 60_000),
      paymentIntentId: `pi_${randomUUID()}`,
      lines,
    },
    mail,
    reply: {
      status: 201,
      body: JSON.stringify({ order: { createdAt: '', history: [{}], lines } }),
    },
  });
}

/** Jobs that would mail `email`. */
function mailsTo(db: DataSource, email: string): Promise<{ subject: string }[]> {
  return db.query(
    `SELECT data->>'subject' AS subject FROM pgboss.job WHERE name = 'mail.send' AND data->>'to' = $1`,
    [email],
  );
}

describe('POST /checkout', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('POST /checkout → 201 order with snapshots, stock reserved, cart closed, PaymentIntent made', async () => {
    const user = await aCustomer(t);
    const a = await aVariant(t, { stock: 5, price: 1299 });
    const b = await aVariant(t, { stock: 5, price: 250 });
    const cartId = await aCart(t, user, [
      { variant: a, quantity: 2 },
      { variant: b, quantity: 3 },
    ]);

    const res = await checkout(t, user, randomUUID());

    expect(res.status).toBe(201);
    const { order, payment } = res.body;
    expect(order).toMatchObject({
      status: 'pending_payment',
      subtotal: { amount: 2 * 1299 + 3 * 250, currency: 'EUR' },
      total: { amount: 2 * 1299 + 3 * 250, currency: 'EUR' },
      shippingAddress: anAddress(),
      paymentIntentId: payment.paymentIntentId,
      history: [{ from: null, to: 'pending_payment', cause: 'checkout' }],
    });
    const sumOfLines = (order.lines as { lineTotal: { amount: number } }[]).reduce(
      (s, l) => s + l.lineTotal.amount,
      0,
    );
    expect(sumOfLines).toBe(order.total.amount);
    expect(order.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          variantId: a.id,
          sku: a.sku,
          quantity: 2,
          unitPrice: { amount: 1299, currency: 'EUR' },
        }),
        expect.objectContaining({
          variantId: b.id,
          sku: b.sku,
          quantity: 3,
          lineTotal: { amount: 750, currency: 'EUR' },
        }),
      ]),
    );
    expect(payment).toMatchObject({
      provider: 'stripe',
      paymentIntentId: expect.stringMatching(/^pi_/),
    });
    expect(payment.clientSecret).toEqual(expect.stringContaining(payment.paymentIntentId));
    expect(await stockOf(t, a.id)).toEqual({ onHand: 5, reserved: 2 });
    expect(await stockOf(t, b.id)).toEqual({ onHand: 5, reserved: 3 });
    const [cart] = await db.query('SELECT status FROM carts WHERE id = $1', [cartId]);
    expect(cart.status).toBe('checked_out');

    const intent = await t.get(PaymentGateway).retrieveIntent(payment.paymentIntentId);
    expect(intent.amount.toJSON()).toEqual(order.total);
    expect(intent.metadata.orderId).toBe(order.id);

    // The reply is the order as stored: its time, history and line order too.
    const stored = await t.http.get(`/api/v1/orders/${order.id}`).set(user.auth);
    expect(stored.body).toEqual(order);
    expect(Date.parse(order.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(order.history[0].at).toBe(order.createdAt);
    expect(await mailsTo(db, user.email)).toEqual([
      { subject: `Your order ${(order.id as string).slice(0, 8)} is waiting for payment` },
    ]);
    // A later price change leaves the order as it was sold.
    await db.query('UPDATE variants SET price = 9999 WHERE id = $1', [a.id]);
    const again = await t.http.get(`/api/v1/orders/${order.id}`).set(user.auth);
    expect(again.body.total).toEqual(order.total);
    expect(again.body.lines).toEqual(order.lines);
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
  ])('Idempotency-Key %s → 400', async (_, key) => {
    const user = await aCustomer(t);
    const req = t.http.post('/api/v1/checkout').set(user.auth);
    const res = await (key === undefined ? req : req.set('Idempotency-Key', key)).send({
      shippingAddress: anAddress(),
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  test('POST /checkout with a bad address or unknown field → 400 with errors', async () => {
    const user = await aCustomer(t);
    const bad = await checkout(t, user, randomUUID(), {
      shippingAddress: { ...anAddress(), country: 'Germany' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toContain('country');
    const extra = await checkout(t, user, randomUUID(), {
      shippingAddress: anAddress(),
      coupon: 'X',
    });
    expect(extra.status).toBe(400);
  });

  test('POST /checkout with a lone surrogate in the address → 400 naming the field; nothing placed, and the same key then places the order', async () => {
    // The address is stored as jsonb, which refuses "\ud800": this was a 500.
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5, price: 500 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const key = randomUUID();
    const bad = await checkout(t, user, key, {
      shippingAddress: { ...anAddress(), line1: '1 Rue \ud800' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([
      {
        field: 'shippingAddress.line1',
        message: expect.stringMatching(/^shippingAddress\.line1 must be well-formed Unicode/),
      },
    ]);
    const orders = await t.http.get('/api/v1/orders').set(user.auth).expect(200);
    expect(orders.body.items).toEqual([]);
    const good = await checkout(t, user, key, { shippingAddress: anAddress() });
    expect(good.status).toBe(201);
  });

  test('POST /checkout with a lower-case country → 201, the code kept in its ISO form ("DE")', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5, price: 500 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const res = await checkout(t, user, randomUUID(), {
      shippingAddress: { ...anAddress(), country: 'de' },
    });
    expect(res.status).toBe(201);
    expect(res.body.order.shippingAddress.country).toBe('DE');
    const read = await t.http.get(`/api/v1/orders/${res.body.order.id}`).set(user.auth).expect(200);
    expect(read.body.shippingAddress.country).toBe('DE');
  });

  test('POST /checkout without a session → 401', async () => {
    const res = await t.http
      .post('/api/v1/checkout')
      .set('Idempotency-Key', 'k')
      .send({ shippingAddress: anAddress() });
    expect(res.status).toBe(401);
  });

  test('POST /checkout with no cart or an empty cart → 422', async () => {
    const user = await aCustomer(t);
    expect((await checkout(t, user, randomUUID())).status).toBe(422);
    await aCart(t, user, []);
    const res = await checkout(t, user, randomUUID());
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/empty/);
  });

  test('POST /checkout with an archived product → 409 naming it', async () => {
    const user = await aCustomer(t);
    const gone = await aVariant(t, { archived: true });
    await aCart(t, user, [{ variant: gone, quantity: 1 }]);
    const res = await checkout(t, user, randomUUID());
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(gone.sku);
  });

  test('POST /checkout short on one line → 409 naming it, nothing reserved, cart still open', async () => {
    const user = await aCustomer(t);
    const plenty = await aVariant(t, { stock: 10 });
    const scarce = await aVariant(t, { stock: 1 });
    await aCart(t, user, [
      { variant: plenty, quantity: 3 },
      { variant: scarce, quantity: 2 },
    ]);
    const res = await checkout(t, user, randomUUID());
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(scarce.sku);
    expect(res.body.detail).not.toContain(plenty.sku);
    expect(await stockOf(t, plenty.id)).toEqual({ onHand: 10, reserved: 0 });
    expect(await stockOf(t, scarce.id)).toEqual({ onHand: 1, reserved: 0 });
    const orders = await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id]);
    expect(orders).toHaveLength(0);
    const carts = await db.query(`SELECT 1 FROM carts WHERE user_id = $1 AND status = 'active'`, [
      user.id,
    ]);
    expect(carts).toHaveLength(1);
  });

  test('POST /checkout of a cart over what one payment can be (99,999,999) → 422; nothing reserved or asked of the provider, the cart as it was, and the same key places it once under', async () => {
    const user = await aCustomer(t);
    const a = await aVariant(t, { stock: 5, price: 50_000_000 });
    const b = await aVariant(t, { stock: 5, price: 49_999_999 });
    const c = await aVariant(t, { stock: 5, price: 1 });
    const cartId = await aCart(t, user, [
      { variant: a, quantity: 1 },
      { variant: b, quantity: 1 },
      { variant: c, quantity: 1 },
    ]);
    const cartRows = () =>
      db.query(
        `SELECT c.status, c.updated_at, l.variant_id, l.quantity
           FROM carts c JOIN cart_lines l ON l.cart_id = c.id
          WHERE c.id = $1 ORDER BY l.variant_id`,
        [cartId],
      );
    const cartBefore = await cartRows();
    const intentsOf = () =>
      hostedEmulator(t)
        .store.listIntents()
        .filter((i) => i.metadata.userId === user.id);
    const key = randomUUID();
    const creates = jest.spyOn(t.get(PaymentGateway), 'createIntent');

    const res = await checkout(t, user, key);

    const asked = creates.mock.calls.length;
    creates.mockRestore();
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.type).toMatch(/\/checkout-total-too-large$/);
    expect(res.body.detail).toContain('1000000.00 EUR');
    expect(res.body.detail).toContain('999999.99 EUR');
    expect(asked).toBe(0);
    expect(intentsOf()).toEqual([]);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toEqual([]);
    for (const v of [a, b, c]) expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    expect(await cartRows()).toEqual(cartBefore);
    expect(await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual(
      [],
    );
    expect(await mailsTo(db, user.email)).toEqual([]);

    // One minor unit less is exactly the most one payment can be: placed and payable.
    const [line] = await db.query('SELECT id FROM cart_lines WHERE variant_id = $1', [c.id]);
    const removed = await t.http.delete(`/api/v1/cart/items/${line.id}`).set(user.auth);
    expect(removed.status).toBe(200);
    const placed = await checkout(t, user, key);
    expect(placed.status).toBe(201);
    expect(placed.body.order.total).toEqual({ amount: 99_999_999, currency: 'EUR' });
    expect(intentsOf()).toEqual([
      expect.objectContaining({ id: placed.body.payment.paymentIntentId, amount: 99_999_999 }),
    ]);
  });

  test("POST /checkout of a cart under the provider's minimum charge → 422, not a 503 to retry; nothing written or reserved, the cart as it was, and the same key places it once it is fuller", async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5, price: 30 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const key = randomUUID();

    const res = await checkout(t, user, key);

    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.type).toMatch(/\/checkout-total-too-small$/);
    expect(res.body.detail).toContain('0.30 EUR');
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toEqual([]);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    expect(await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual(
      [],
    );
    expect(await mailsTo(db, user.email)).toEqual([]);

    const [line] = await db.query('SELECT id FROM cart_lines WHERE variant_id = $1', [v.id]);
    const more = await t.http
      .patch(`/api/v1/cart/items/${line.id}`)
      .set(user.auth)
      .send({ quantity: 2 });
    expect(more.status).toBe(200);
    const placed = await checkout(t, user, key);
    expect(placed.status).toBe(201);
    expect(placed.body.order.total).toEqual({ amount: 60, currency: 'EUR' });
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 2 });
  });

  test('a cart changed after checkout read it is not sold as read: nothing is written, not even the claim', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5, price: 500 });
    const cartId = await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const read = await t.get(CheckoutCart).readForCheckout(user.id);
    expect(read).toMatchObject({ id: cartId, lines: [{ variantId: v.id, quantity: 1 }] });
    // The shopper adds one more before the checkout writes.
    await t.http
      .post('/api/v1/cart/items')
      .set(user.auth)
      .send({ variantId: v.id, quantity: 1 })
      .expect(201);

    const key = randomUUID();
    const outcome = await writeByHand(t, user, read!, key, snapshotLines([v]));

    expect(outcome).toEqual({ kind: 'cart-changed' });
    expect(await mailsTo(db, user.email)).toEqual([]);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(0);
    expect(
      await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id]),
    ).toHaveLength(0);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    const [cart] = await db.query('SELECT status FROM carts WHERE id = $1', [cartId]);
    expect(cart.status).toBe('active');
    // A checkout now reads the cart again and sells both units.
    const res = await checkout(t, user, key);
    expect(res.status).toBe(201);
    expect(res.body.order.lines).toEqual([
      expect.objectContaining({ variantId: v.id, quantity: 2 }),
    ]);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 2 });
  });

  test('no oversell: 100 concurrent checkouts of the last 10 units → exactly 10 orders, 90 clean 409s', async () => {
    const v = await aVariant(t, { stock: 10 });
    const users = await Promise.all(Array.from({ length: 100 }, () => aCustomer(t)));
    for (const u of users) await aCart(t, u, [{ variant: v, quantity: 1 }]);

    const replies = await Promise.all(users.map((u) => checkout(t, u, randomUUID())));

    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(90);
    for (const r of replies.filter((r) => r.status === 409)) {
      expect(r.body.detail).toContain(v.sku);
    }
    expect(await stockOf(t, v.id)).toEqual({ onHand: 10, reserved: 10 });
    const [{ count }] = await db.query(
      'SELECT count(*)::int AS count FROM order_lines WHERE variant_id = $1',
      [v.id],
    );
    expect(count).toBe(10);
  });

  test('no oversell or deadlock with multi-line carts in opposite line orders', async () => {
    const a = await aVariant(t, { stock: 10 });
    const b = await aVariant(t, { stock: 10 });
    const users = await Promise.all(Array.from({ length: 40 }, () => aCustomer(t)));
    for (const [i, u] of users.entries()) {
      const lines = [
        { variant: a, quantity: 1 },
        { variant: b, quantity: 1 },
      ];
      await aCart(t, u, i % 2 === 0 ? lines : lines.reverse());
    }

    const replies = await Promise.all(users.map((u) => checkout(t, u, randomUUID())));

    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(30);
    expect(await stockOf(t, a.id)).toEqual({ onHand: 10, reserved: 10 });
    expect(await stockOf(t, b.id)).toEqual({ onHand: 10, reserved: 10 });
  });

  test('GET /cart right after a 201 never shows the checked-out lines', async () => {
    for (let i = 0; i < 10; i++) {
      const user = await aCustomer(t);
      const variant = await aVariant(t, { stock: 5 });
      await t.http
        .post('/api/v1/cart/items')
        .set(user.auth)
        .send({ variantId: variant.id, quantity: 1 })
        .expect(201);
      await t.http.get('/api/v1/cart').set(user.auth).expect(200);
      expect((await checkout(t, user, randomUUID())).status).toBe(201);
      const cart = await t.http.get('/api/v1/cart').set(user.auth).expect(200);
      expect(cart.body).toMatchObject({ lines: [], itemCount: 0 });
    }
  });

  test('the order mail states the total in the currency’s own minor unit: yen have none', async () => {
    const orderId = randomUUID();
    const buyerEmail = `yen-${orderId}@example.com`;
    await t
      .get(TransactionRunner)
      .run((m) =>
        t
          .get(OrderNotifications)
          .orderPlaced({ orderId, buyerEmail, total: 1299, currency: 'JPY' }, m),
      );
    const [mail] = await db.query(
      `SELECT data->>'text' AS text FROM pgboss.job WHERE name = 'mail.send' AND data->>'to' = $1`,
      [buyerEmail],
    );
    expect(mail.text).toContain('of 1299 JPY.');
  });

  describe('Idempotency-Key', () => {
    /** The user's claims left as a process that died mid-request leaves them: old and unfinished. */
    const abandonClaims = (userId: string) =>
      db.query(
        `UPDATE idempotency_keys SET status = 'in_progress', response_body = NULL, response_status = NULL,
                created_at = now() - interval '1 hour' WHERE user_id = $1`,
        [userId],
      );
    test('20 concurrent identical requests → one order and one PaymentIntent; every reply the same order', async () => {
      const user = await aCustomer(t);
      const v = await aVariant(t, { stock: 50 });
      await aCart(t, user, [{ variant: v, quantity: 2 }]);
      const key = randomUUID();
      const gateway = t.get(PaymentGateway);
      const creates = jest.spyOn(gateway, 'createIntent');
      const cancels = jest.spyOn(gateway, 'cancelIntent');

      const replies = await Promise.all(Array.from({ length: 20 }, () => checkout(t, user, key)));

      const [made, cancelled] = [creates.mock.calls.length, cancels.mock.calls.length];
      creates.mockRestore();
      cancels.mockRestore();
      // Repeats this process is running wait for the first, then replay its
      // reply: none makes (and cancels) an intent of its own.
      for (const r of replies) expect(r.status).toBe(201);
      for (const r of replies) expect(r.body).toEqual(replies[0]!.body);
      expect(made).toBe(1);
      expect(cancelled).toBe(0);
      const orders = await db.query('SELECT id FROM orders WHERE user_id = $1', [user.id]);
      expect(orders).toHaveLength(1);
      expect(await stockOf(t, v.id)).toEqual({ onHand: 50, reserved: 2 });

      const replay = await checkout(t, user, key);
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(replies[0]!.body);
      expect(JSON.stringify(replay.body)).toBe(JSON.stringify(replies[0]!.body));
    });

    test('201 → Location: the order’s URL; a replay of the key carries the same one', async () => {
      const user = await aCustomer(t);
      await aCart(t, user, [{ variant: await aVariant(t), quantity: 1 }]);
      const key = randomUUID();

      const first = await checkout(t, user, key);

      expect(first.status).toBe(201);
      expect(first.headers.location).toBe(`/api/v1/orders/${first.body.order.id}`);
      const order = await t.http.get(first.headers.location!).set(user.auth).expect(200);
      expect(order.body.id).toBe(first.body.order.id);
      const replay = await checkout(t, user, key);
      expect(replay.status).toBe(201);
      expect(replay.headers.location).toBe(first.headers.location);
    });

    test('a reply stored before the order had amountReturnedOutside and foreignPayment replays with them after migrating', async () => {
      const user = await aCustomer(t);
      await aCart(t, user, [{ variant: await aVariant(t), quantity: 1 }]);
      const key = randomUUID();
      const first = await checkout(t, user, key);
      expect(first.status).toBe(201);
      expect(first.body.order.foreignPayment).toBeNull();
      expect(first.body.order.amountReturnedOutside).toEqual(first.body.order.amountRefunded);
      // As an earlier version stored it.
      await db.query(
        `UPDATE idempotency_keys
            SET response_body = response_body #- '{order,foreignPayment}' #- '{order,amountReturnedOutside}'
          WHERE user_id = $1 AND key = $2`,
        [user.id, key],
      );
      const runner = db.createQueryRunner();
      try {
        await new StoredCheckoutReplies1764700001000().up(runner);
      } finally {
        await runner.release();
      }
      const replay = await checkout(t, user, key);
      expect(replay.status).toBe(201);
      expect(JSON.stringify(replay.body)).toBe(JSON.stringify(first.body));
    });

    test('the same key with another body → 422, nothing made', async () => {
      const user = await aCustomer(t);
      const v = await aVariant(t, { stock: 5 });
      await aCart(t, user, [{ variant: v, quantity: 1 }]);
      const key = randomUUID();
      expect((await checkout(t, user, key)).status).toBe(201);
      const other = await checkout(t, user, key, {
        shippingAddress: { ...anAddress(), city: 'Paris' },
      });
      expect(other.status).toBe(422);
      expect(other.body.detail).toMatch(/different request body/);
      expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(1);
    });

    test('keys are per user: another user with the same key gets an order of their own', async () => {
      const v = await aVariant(t, { stock: 5 });
      const [u1, u2] = [await aCustomer(t), await aCustomer(t)];
      await aCart(t, u1, [{ variant: v, quantity: 1 }]);
      await aCart(t, u2, [{ variant: v, quantity: 1 }]);
      const r1 = await checkout(t, u1, 'shared-key');
      const r2 = await checkout(t, u2, 'shared-key');
      expect([r1.status, r2.status]).toEqual([201, 201]);
      expect(r1.body.order.id).not.toBe(r2.body.order.id);
    });

    test('a refused request frees its key: after adding stock the same key succeeds', async () => {
      const user = await aCustomer(t);
      const v = await aVariant(t, { stock: 0 });
      await aCart(t, user, [{ variant: v, quantity: 1 }]);
      const key = randomUUID();
      expect((await checkout(t, user, key)).status).toBe(409);
      await db.query('UPDATE variants SET on_hand = 3 WHERE id = $1', [v.id]);
      expect((await checkout(t, user, key)).status).toBe(201);
    });

    test('a claim abandoned by a crash after the order was made is resumed, not doubled', async () => {
      const user = await aCustomer(t);
      const v = await aVariant(t, { stock: 5 });
      await aCart(t, user, [{ variant: v, quantity: 1 }]);
      const key = randomUUID();
      const first = await checkout(t, user, key);
      expect(first.status).toBe(201);
      // As if the process died before recording the reply.
      await abandonClaims(user.id);
      const resumed = await checkout(t, user, key);
      expect(resumed.status).toBe(201);
      expect(resumed.body.order.id).toBe(first.body.order.id);
      expect(resumed.body.payment).toEqual(first.body.payment);
      expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(1);
      expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 1 });
    });

    test('the "order placed" mail goes to the buyer once: not again on a replay or a resumed claim', async () => {
      const user = await aCustomer(t);
      const v = await aVariant(t, { stock: 5 });
      await aCart(t, user, [{ variant: v, quantity: 1 }]);
      const key = randomUUID();
      const mails = () =>
        db.query(
          `SELECT data->>'subject' AS subject FROM pgboss.job
            WHERE name = 'mail.send' AND data->>'to' = $1`,
          [user.email],
        );
      const first = await checkout(t, user, key);
      expect(first.status).toBe(201);
      const ref = (first.body.order.id as string).slice(0, 8);
      expect(await mails()).toEqual([{ subject: `Your order ${ref} is waiting for payment` }]);

      expect((await checkout(t, user, key)).status).toBe(201);
      // As if the process died after making the order, before storing its
      // intent: the resumed request stores it and announces the order, once.
      await db.query('UPDATE orders SET payment_intent_id = NULL WHERE user_id = $1', [user.id]);
      await abandonClaims(user.id);
      const resumed = await checkout(t, user, key);
      expect(resumed.status).toBe(201);
      expect(resumed.body.payment).toEqual(first.body.payment);
      const [order] = await db.query('SELECT payment_intent_id FROM orders WHERE user_id = $1', [
        user.id,
      ]);
      expect(order.payment_intent_id).toBe(first.body.payment.paymentIntentId);
      expect(await mails()).toHaveLength(1);
    });
  });
});

/** The real gateway, except that making an intent fails while `down` is set (and counts the attempts). */
class GatewayWithOutage extends DelegatingGateway {
  down = false;
  creates = 0;
  /** Intents made, in order. */
  readonly made: string[] = [];
  /** Runs once, after the next intent is made: what else happens meanwhile. */
  meanwhile: (() => Promise<void>) | null = null;

  override async createIntent(input: CreateIntentInput): Promise<PaymentIntentRef> {
    this.creates++;
    if (this.down) throw new PaymentProviderError('provider down', 'unreachable');
    const intent = await super.createIntent(input);
    this.made.push(intent.id);
    const meanwhile = this.meanwhile;
    this.meanwhile = null;
    if (meanwhile) await meanwhile();
    return intent;
  }
}

describe('POST /checkout when the payment provider is down', () => {
  let t: TestApp;
  let db: DataSource;
  let gateway: GatewayWithOutage;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) =>
        b.overrideProvider(PaymentGateway).useFactory({
          factory: (stripe: StripeClient) =>
            new GatewayWithOutage(new StripePaymentGateway(stripe)),
          inject: [StripeClient],
        }),
    });
    db = t.get(DataSource);
    gateway = t.get(PaymentGateway) as GatewayWithOutage;
  });
  afterEach(() => {
    gateway.down = false;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('→ 503 and nothing written: no order, no stock reserved, the cart open, the key free, no mail', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 4 });
    const cartId = await aCart(t, user, [{ variant: v, quantity: 2 }]);
    const key = randomUUID();
    gateway.down = true;

    const res = await checkout(t, user, key);

    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toEqual([]);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
    const [cart] = await db.query('SELECT status FROM carts WHERE id = $1', [cartId]);
    expect(cart.status).toBe('active');
    expect(await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual(
      [],
    );
    expect(await mailsTo(db, user.email)).toEqual([]);
    // Once it is back, the same key places the order.
    gateway.down = false;
    const retry = await checkout(t, user, key);
    expect(retry.status).toBe(201);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 4, reserved: 2 });
  });

  test('no database connection is held while the provider is asked for the payment', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 4 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    // The API's own pool (the same process in this test): a provider taking
    // a few hundred milliseconds must not keep one of its connections.
    const pool = (db.driver as unknown as { master: { totalCount: number; idleCount: number } })
      .master;
    const inUse = () => pool.totalCount - pool.idleCount;
    const before = inUse();
    let during = -1;
    gateway.meanwhile = async () => {
      during = inUse();
    };

    const res = await checkout(t, user, randomUUID());

    expect(res.status).toBe(201);
    expect(during).toBe(before);
  });

  test('a cart short when read is refused without asking the provider for a payment', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 1 });
    await aCart(t, user, [{ variant: v, quantity: 2 }]);
    const before = gateway.creates;

    const res = await checkout(t, user, randomUUID());

    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(v.sku);
    expect(gateway.creates).toBe(before);
  });

  test('an intent made for an order that was then not written (the cart changed) is cancelled; the order gets a new one', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    gateway.meanwhile = async () => {
      // The shopper adds one more while checkout asks for the payment.
      await t.http
        .post('/api/v1/cart/items')
        .set(user.auth)
        .send({ variantId: v.id, quantity: 1 })
        .expect(201);
    };
    const made = gateway.made.length;

    const res = await checkout(t, user, randomUUID());

    expect(res.status).toBe(201);
    expect(res.body.order.lines).toEqual([expect.objectContaining({ quantity: 2 })]);
    const [unused, used] = gateway.made.slice(made);
    expect(gateway.made.length - made).toBe(2);
    expect(res.body.payment.paymentIntentId).toBe(used);
    expect((await gateway.retrieveIntent(unused!)).status).toBe('canceled');
    expect((await gateway.retrieveIntent(used!)).amount.toJSON()).toEqual(res.body.order.total);
  });

  test('an order left without its intent that expires while its retry makes one → 409, the new intent cancelled, not stored', async () => {
    const { user, v, key } = await anOrderLeftWithoutIntent(t);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE user_id = $1`,
      [user.id],
    );
    // The expiry sweep runs while the retry asks the provider for the intent.
    gateway.meanwhile = async () => {
      expect(await t.get(OrderExpiryService).expireDue()).toBeGreaterThanOrEqual(1);
    };
    const made = gateway.made.length;

    const retry = await checkout(t, user, key);

    expect(retry.status).toBe(409);
    expect(retry.body.detail).toMatch(/was cancelled before it could be paid/);
    const orders = await db.query(
      'SELECT status, payment_intent_id FROM orders WHERE user_id = $1',
      [user.id],
    );
    expect(orders).toEqual([{ status: 'cancelled', payment_intent_id: null }]);
    expect(gateway.made.length - made).toBe(1);
    // Nobody may pay it: its order's stock is released.
    expect((await gateway.retrieveIntent(gateway.made.at(-1)!)).status).toBe('canceled');
    expect(await stockOf(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
  });

  test('expiry does not cancel an order read without an intent that has one by the time it is locked', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 4 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const placed = await checkout(t, user, randomUUID());
    expect(placed.status).toBe(201);
    const orderId = placed.body.order.id as string;
    const intentId = placed.body.payment.paymentIntentId as string;
    const due = new Date(Date.now() + 3_600_000);
    const orders = t.get(OrderRepository);

    // Read without its intent (as a legacy order is), locked once it has one.
    const locked = await t
      .get(TransactionRunner)
      .run((m) => orders.lockDueForExpiry([{ id: orderId, paymentIntentId: null }], due, m));
    const lockedKnown = await t
      .get(TransactionRunner)
      .run((m) => orders.lockDueForExpiry([{ id: orderId, paymentIntentId: intentId }], due, m));

    expect(locked).toEqual([]);
    expect(lockedKnown.map((o) => o.id)).toEqual([orderId]);
  });

  test('an order left without its intent (by a request that died between two commits) is cancelled when the provider refuses it', async () => {
    const { user, v, key } = await anOrderLeftWithoutIntent(t);
    gateway.down = true;

    const retry = await checkout(t, user, key);

    expect(retry.status).toBe(503);
    const orders = await db.query('SELECT status, checkout_key FROM orders WHERE user_id = $1', [
      user.id,
    ]);
    expect(orders).toEqual([{ status: 'cancelled', checkout_key: null }]);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
    expect(await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual(
      [],
    );
  });
});

/** A customer's order of one of four units in stock, placed, then left without its intent. */
async function anOrderLeftWithoutIntent(t: TestApp) {
  const user = await aCustomer(t);
  const v = await aVariant(t, { stock: 4 });
  await aCart(t, user, [{ variant: v, quantity: 1 }]);
  const key = randomUUID();
  expect((await checkout(t, user, key)).status).toBe(201);
  await leaveWithoutIntent(t.get(DataSource), user.id);
  return { user, v, key };
}

/**
 * As an order looked when the request that placed it died after its commit
 * and before its intent was stored (checkout once took two commits): no
 * intent, and the key given up.
 */
async function leaveWithoutIntent(db: DataSource, userId: string): Promise<void> {
  await db.query('UPDATE orders SET payment_intent_id = NULL WHERE user_id = $1', [userId]);
  await db.query('DELETE FROM idempotency_keys WHERE user_id = $1', [userId]);
}

describe('POST /checkout finishing an order left without its PaymentIntent', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a retry with the same key finishes that order: 201, not an empty cart, and no second order', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    await aCart(t, user, [{ variant: v, quantity: 2 }]);
    const key = randomUUID();
    expect((await checkout(t, user, key)).status).toBe(201);
    await leaveWithoutIntent(t.get(DataSource), user.id);

    const retry = await checkout(t, user, key);

    expect(retry.status).toBe(201);
    const db = t.get(DataSource);
    const orders = await db.query('SELECT id, payment_intent_id FROM orders WHERE user_id = $1', [
      user.id,
    ]);
    expect(orders).toEqual([
      { id: retry.body.order.id, payment_intent_id: retry.body.payment.paymentIntentId },
    ]);
    expect(retry.body.order.lines).toEqual([
      expect.objectContaining({ variantId: v.id, quantity: 2 }),
    ]);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 2 });
    // And its reply is stored now: a repeat replays it.
    const replay = await checkout(t, user, key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(retry.body);
  });

  test('a retry once that order was cancelled → 409, and no payment is opened for it', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const key = randomUUID();
    const first = await checkout(t, user, key);
    expect(first.status).toBe(201);
    const db = t.get(DataSource);
    await leaveWithoutIntent(db, user.id);
    // The customer gave up on it meanwhile (expiry does the same).
    const cancel = await t.http.post(`/api/v1/orders/${first.body.order.id}/cancel`).set(user.auth);
    expect(cancel.status).toBe(200);

    const retry = await checkout(t, user, key);

    expect(retry.status).toBe(409);
    expect(retry.body.detail).toMatch(/cancelled/);
    const orders = await db.query(
      'SELECT status, payment_intent_id FROM orders WHERE user_id = $1',
      [user.id],
    );
    expect(orders).toEqual([{ status: 'cancelled', payment_intent_id: null }]);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });
});

describe('POST /checkout under a key whose record was pruned (after 24 hours)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A customer's order placed under a key, then the key's record pruned as the daily job does. */
  async function placedAndPruned() {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    await aCart(t, user, [{ variant: v, quantity: 1 }]);
    const key = randomUUID();
    const first = await checkout(t, user, key);
    expect(first.status).toBe(201);
    const pruned = await t
      .get(IdempotencyKeyCleanupService)
      .prune(new Date(Date.now() + (IDEMPOTENCY_KEY_RETENTION_HOURS + 1) * 3_600_000));
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id])).toEqual(
      [],
    );
    // A new cart since.
    const next = await aVariant(t, { stock: 5 });
    await aCart(t, user, [{ variant: next, quantity: 1 }]);
    return { user, key, first, next };
  }

  test('the same body gets that order, not a second one', async () => {
    const { user, key, first, next } = await placedAndPruned();

    const late = await checkout(t, user, key);

    expect(late.status).toBe(201);
    expect(late.body.order.id).toBe(first.body.order.id);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(1);
    expect(await stockOf(t, next.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test("the same body still gets that order when the new cart is under the provider's minimum charge", async () => {
    const { user, key, first, next } = await placedAndPruned();
    await db.query('UPDATE variants SET price = 30 WHERE id = $1', [next.id]);

    const late = await checkout(t, user, key);

    expect(late.status).toBe(201);
    expect(late.body.order.id).toBe(first.body.order.id);
  });

  test('another body → 422 key reused, as while the record lived: no order answered or placed, the new cart left open, no payment left open', async () => {
    const { user, key, next } = await placedAndPruned();
    const intentsBefore = hostedEmulator(t)
      .store.listIntents()
      .filter((i) => i.metadata.userId === user.id && i.status !== 'canceled');

    const other = await checkout(t, user, key, {
      shippingAddress: { ...anAddress(), line1: 'Elsewhere 1' },
    });

    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.body.type).toMatch(/\/idempotency-key-reused$/);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(1);
    expect(await stockOf(t, next.id)).toEqual({ onHand: 5, reserved: 0 });
    const [cart] = await db.query(
      `SELECT status FROM carts WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [user.id],
    );
    expect(cart).toEqual({ status: 'active' });
    expect(
      hostedEmulator(t)
        .store.listIntents()
        .filter((i) => i.metadata.userId === user.id && i.status !== 'canceled'),
    ).toEqual(intentsBefore);
    // Nor does the refusal take the key: the same body still gets its order.
    const same = await checkout(t, user, key);
    expect(same.status).toBe(201);
  });
});

/** The real cart reader, which runs `afterNextRead` once a read has returned, before checkout writes. */
class CartReadWithHook extends CartModuleCheckoutCart {
  reads = 0;
  afterNextRead: (() => Promise<void>) | null = null;

  override async readForCheckout(
    userId: string,
    manager?: EntityManager,
  ): Promise<CartForCheckout | null> {
    const cart = await super.readForCheckout(userId, manager);
    this.reads++;
    const hook = this.afterNextRead;
    this.afterNextRead = null;
    if (hook) await hook();
    return cart;
  }
}

describe('POST /checkout racing an archive', () => {
  let t: TestApp;
  let db: DataSource;
  let cart: CartReadWithHook;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) =>
        b.overrideProvider(CheckoutCart).useFactory({
          factory: (port: CheckoutCartPort) => new CartReadWithHook(port),
          inject: [CheckoutCartPort],
        }),
    });
    db = t.get(DataSource);
    cart = t.get(CheckoutCart) as CartReadWithHook;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a product archived after the cart was read → 409 naming its variant; nothing written, not even the claim', async () => {
    const admin = await anAdmin(t);
    const user = await aCustomer(t);
    const kept = await aVariant(t, { stock: 5 });
    const archived = await aVariant(t, { stock: 5 });
    const cartId = await aCart(t, user, [
      { variant: kept, quantity: 1 },
      { variant: archived, quantity: 2 },
    ]);
    // The read saw both products on sale; the admin archives one before the write.
    cart.afterNextRead = async () => {
      const res = await t.http
        .delete(`/api/v1/admin/products/${archived.productId}`)
        .set(admin.auth);
      expect(res.status).toBe(204);
    };
    const readsBefore = cart.reads;

    const res = await checkout(t, user, randomUUID());

    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.detail).toContain(archived.sku);
    expect(res.body.detail).not.toContain(kept.sku);
    expect(res.body.errors).toEqual([
      { field: `variant:${archived.id}`, message: `${archived.sku} is archived` },
    ]);
    // Refused by the write itself, from the one read that missed the archive.
    expect(cart.reads - readsBefore).toBe(1);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(0);
    expect(
      await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id]),
    ).toHaveLength(0);
    expect(await stockOf(t, kept.id)).toEqual({ onHand: 5, reserved: 0 });
    expect(await stockOf(t, archived.id)).toEqual({ onHand: 5, reserved: 0 });
    const [row] = await db.query('SELECT status FROM carts WHERE id = $1', [cartId]);
    expect(row.status).toBe('active');
  });

  test('a cart that changes after every read → 409 saying it kept changing, not that it closed; nothing written', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const cartId = await aCart(t, user, [{ variant: v, quantity: 1 }]);
    // Another tab of the shopper's touches the cart between each read and write.
    const touch = async (): Promise<void> => {
      await db.query('UPDATE carts SET updated_at = now() WHERE id = $1', [cartId]);
      cart.afterNextRead = touch;
    };
    cart.afterNextRead = touch;
    const readsBefore = cart.reads;
    try {
      const res = await checkout(t, user, randomUUID());
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toMatch(/kept changing/);
      expect(res.body.detail).not.toMatch(/closed/);
    } finally {
      cart.afterNextRead = null;
    }
    expect(cart.reads - readsBefore).toBe(5);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(0);
    const [row] = await db.query('SELECT status FROM carts WHERE id = $1', [cartId]);
    expect(row.status).toBe('active');
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('the write names every archived variant, in id order, and claims nothing', async () => {
    const user = await aCustomer(t);
    const a = await aVariant(t, { stock: 5, price: 500 });
    const b = await aVariant(t, { stock: 5, price: 700 });
    const cartId = await aCart(t, user, [
      { variant: a, quantity: 1 },
      { variant: b, quantity: 1 },
    ]);
    const read = await t.get(CheckoutCart).readForCheckout(user.id);
    await db.query(`UPDATE products SET status = 'archived' WHERE id = ANY($1::uuid[])`, [
      [a.productId, b.productId],
    ]);
    const outcome = await writeByHand(t, user, read!, randomUUID(), snapshotLines([a, b]));

    expect(outcome).toEqual({ kind: 'archived', variantIds: [a.id, b.id].sort() });
    expect(await mailsTo(db, user.email)).toEqual([]);
    expect(
      await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [user.id]),
    ).toHaveLength(0);
    expect(await db.query('SELECT 1 FROM orders WHERE user_id = $1', [user.id])).toHaveLength(0);
    expect(await stockOf(t, a.id)).toEqual({ onHand: 5, reserved: 0 });
    const [row] = await db.query('SELECT status FROM carts WHERE id = $1', [cartId]);
    expect(row.status).toBe('active');
  });
});

/** The real resolver, which runs `afterNextResolve` once it has found a caller's cart. */
class CartResolverWithHook extends CartResolver {
  afterNextResolve: (() => Promise<void>) | null = null;

  override async resolve(caller: CartCaller): Promise<CartContext> {
    const cart = await super.resolve(caller);
    const hook = this.afterNextResolve;
    this.afterNextResolve = null;
    if (hook) await hook();
    return cart;
  }
}

describe('GET /cart beside a checkout', () => {
  let t: TestApp;
  let resolver: CartResolverWithHook;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) =>
        b.overrideProvider(CartResolver).useFactory({
          factory: (carts: CartRepository) => new CartResolverWithHook(carts),
          inject: [CartRepository],
        }),
    });
    resolver = t.get(CartResolver) as CartResolverWithHook;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a checkout closing the cart after GET /cart found it: the reply is the new, empty cart', async () => {
    const user = await aCustomer(t);
    const variant = await aVariant(t, { stock: 5 });
    const closed = await aCart(t, user, [{ variant, quantity: 2 }]);
    resolver.afterNextResolve = async () => {
      expect((await checkout(t, user, randomUUID())).status).toBe(201);
    };

    const res = await t.http.get('/api/v1/cart').set(user.auth);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lines: [], itemCount: 0 });
    expect(res.body.id).not.toBe(closed);
    // The cart shown is the one the user now adds to.
    const added = await t.http
      .post('/api/v1/cart/items')
      .set(user.auth)
      .send({ variantId: variant.id, quantity: 1 })
      .expect(201);
    expect(added.body.id).toBe(res.body.id);
  });

  test('a guest cart merged away after GET /cart found it → 404, as for any closed guest cart', async () => {
    const guest = await t.http.post('/api/v1/cart').expect(201);
    const token = guest.body.cartToken as string;
    const variant = await aVariant(t, { stock: 5 });
    await t.http
      .post('/api/v1/cart/items')
      .set('X-Cart-Token', token)
      .send({ variantId: variant.id, quantity: 1 })
      .expect(201);
    const user = await aCustomer(t);
    resolver.afterNextResolve = async () => {
      await t.http.post('/api/v1/cart/merge').set(user.auth).send({ cartToken: token }).expect(200);
    };

    const res = await t.http.get('/api/v1/cart').set('X-Cart-Token', token);

    expect(res.status).toBe(404);
    expect(res.body.type).toMatch(/cart-not-found$/);
  });
});
