import { randomBytes, randomUUID } from 'node:crypto';

import Stripe from 'stripe';
import { DataSource } from 'typeorm';

import type { TestApp } from './test-app.js';
import { aCustomer, type TestUser } from './users.js';

export const anAddress = () => ({
  name: 'Ada Lovelace',
  line1: '12 Analytical Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
});

export interface TestVariant {
  id: string;
  sku: string;
  productId: string;
  price: number;
}

/** A product with one variant, straight into the catalog tables. */
export async function aVariant(
  t: TestApp,
  options: { stock?: number; price?: number; archived?: boolean } = {},
): Promise<TestVariant> {
  const db = t.get(DataSource);
  const tag = randomBytes(5).toString('hex');
  const price = options.price ?? 1299;
  const [product] = (await db.query(
    `INSERT INTO products (slug, name, status, min_price, max_price)
     VALUES ($1, $2, $3, $4, $4) RETURNING id`,
    [`p-${tag}`, `Product ${tag}`, options.archived ? 'archived' : 'active', price],
  )) as { id: string }[];
  const sku = `SKU-${tag}`;
  const [variant] = (await db.query(
    `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
     VALUES ($1, $2, 'Default', $3, 'EUR', $4) RETURNING id`,
    [product!.id, sku, price, options.stock ?? 10],
  )) as { id: string }[];
  return { id: variant!.id, sku, productId: product!.id, price };
}

/** The user's active cart with these lines, in this insertion order. */
export async function aCart(
  t: TestApp,
  user: TestUser,
  lines: { variant: TestVariant; quantity: number }[],
): Promise<string> {
  const db = t.get(DataSource);
  const [cart] = (await db.query(`INSERT INTO carts (user_id) VALUES ($1) RETURNING id`, [
    user.id,
  ])) as { id: string }[];
  for (const l of lines) {
    await db.query(
      `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_unit_price) VALUES ($1, $2, $3, $4)`,
      [cart!.id, l.variant.id, l.quantity, l.variant.price],
    );
  }
  return cart!.id;
}

export async function stockOf(
  t: TestApp,
  variantId: string,
): Promise<{ onHand: number; reserved: number }> {
  const [row] = (await t
    .get(DataSource)
    .query('SELECT on_hand AS "onHand", reserved FROM variants WHERE id = $1', [variantId])) as {
    onHand: number;
    reserved: number;
  }[];
  return row!;
}

export function checkout(
  t: TestApp,
  user: TestUser,
  key: string,
  body: object = { shippingAddress: anAddress() },
) {
  return t.http.post('/api/v1/checkout').set(user.auth).set('Idempotency-Key', key).send(body);
}

let eventSeq = 0;

/**
 * The customer cancels an order while its PaymentIntent stays payable, as
 * when the provider call to cancel it fails: the intent is hidden from the
 * cancellation, then put back. Paying it then is a late payment.
 */
export async function cancelLeavingIntentPayable(
  t: TestApp,
  order: { orderId: string; intentId: string; user: TestUser },
): Promise<void> {
  const db = t.get(DataSource);
  await db.query(`UPDATE orders SET payment_intent_id = NULL WHERE id = $1`, [order.orderId]);
  const cancel = await t.http.post(`/api/v1/orders/${order.orderId}/cancel`).set(order.user.auth);
  if (cancel.status !== 200) throw new Error(`cancel answered ${cancel.status}`);
  await db.query(`UPDATE orders SET payment_intent_id = $2 WHERE id = $1`, [
    order.orderId,
    order.intentId,
  ]);
}

/** A Stripe event as the webhook intake receives it, with Stripe's field names. */
/** A customer's order placed through checkout (pending payment), with its intent. */
export interface PlacedOrder {
  user: TestUser;
  variant: TestVariant;
  orderId: string;
  intentId: string;
  total: number;
}

/** `user` checks out `quantity` of `variant` (a cart of that one line, a fresh key). */
export async function anOrderOf(
  t: TestApp,
  user: TestUser,
  variant: TestVariant,
  quantity = 1,
): Promise<PlacedOrder> {
  await aCart(t, user, [{ variant, quantity }]);
  const res = await checkout(t, user, randomUUID());
  if (res.status !== 201) throw new Error(`checkout answered ${res.status}`);
  return {
    user,
    variant,
    orderId: res.body.order.id as string,
    intentId: res.body.payment.paymentIntentId as string,
    total: res.body.order.total.amount as number,
  };
}

/** A new customer checks out `quantity` of a new variant priced `price` (stock 10). */
export async function aPlacedOrder(
  t: TestApp,
  quantity: number,
  price: number,
): Promise<PlacedOrder> {
  return anOrderOf(t, await aCustomer(t), await aVariant(t, { stock: 10, price }), quantity);
}

export function aStripeEvent(type: string, object: Record<string, unknown>) {
  eventSeq++;
  return {
    id: `evt_orders_${randomBytes(6).toString('hex')}_${eventSeq}`,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    type,
    data: { object },
  };
}

export const intentObject = (
  id: string,
  amount: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  id,
  object: 'payment_intent',
  amount,
  amount_received: amount,
  currency: 'eur',
  status: 'succeeded',
  metadata: {},
  latest_charge: `ch_${id}`,
  ...extra,
});

export const chargeObject = (paymentIntentId: string, amount: number, refunded: number) => ({
  id: `ch_${paymentIntentId}`,
  object: 'charge',
  amount,
  amount_captured: amount,
  amount_refunded: refunded,
  refunded: refunded >= amount,
  currency: 'eur',
  payment_intent: paymentIntentId,
  status: 'succeeded',
  metadata: {},
});

/** Posts an event to the webhook route signed with `secret`, as Stripe would. */
export function deliver(t: TestApp, event: object, secret: string) {
  const payload = JSON.stringify(event);
  return t.http
    .post('/api/v1/webhooks/stripe')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret }))
    .send(payload);
}
