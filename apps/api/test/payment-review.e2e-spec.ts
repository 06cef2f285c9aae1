import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PaymentProviderError, PaymentStateConflictError } from '@minishop/domain';
import { DataSource } from 'typeorm';

import type { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import {
  PaymentGateway,
  type RefundInput,
  type RefundRef,
} from '../src/payments/payment-gateway.js';
import { PaymentSimulationService } from '../src/payments/payment-simulation.service.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { StripePaymentGateway } from '../src/payments/stripe/stripe-payment-gateway.js';
import { DelegatingGateway } from './support/delegating-gateway.js';
import { heldWebhooks, webhooksToThisApp } from './support/emulator.js';
import {
  aPlacedOrder,
  aStripeEvent,
  cancelLeavingIntentPayable,
  deliver,
  type PlacedOrder,
  stockOf,
} from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

/**
 * The real gateway (against the emulator), with two switches: refunds fail
 * as if Stripe were unreachable, and a hook runs once a refund is made,
 * before the caller goes on.
 */
class SwitchableGateway extends DelegatingGateway {
  refundsDown = false;
  afterRefund: (() => Promise<void>) | null = null;
  /** Runs once, before the next refund reaches Stripe; what it throws is Stripe's answer. */
  beforeRefund: (() => Promise<void>) | null = null;
  refunds: RefundInput[] = [];
  /** The refunds the provider made, so a test can have the bank fail one. */
  made: { paymentIntentId: string; id: string }[] = [];

  override async refund(input: RefundInput): Promise<RefundRef> {
    this.refunds.push(input);
    if (this.refundsDown) throw new PaymentProviderError('Stripe is unreachable', 'unreachable');
    const before = this.beforeRefund;
    this.beforeRefund = null;
    if (before) await before();
    const refund = await this.real.refund(input);
    this.made.push({ paymentIntentId: input.paymentIntentId, id: refund.id });
    const hook = this.afterRefund;
    this.afterRefund = null;
    if (hook) await hook();
    return refund;
  }
}

describe('payment review (GET /admin/orders?underReview, POST /admin/orders/:id/payment-review)', () => {
  let t: TestApp;
  let db: DataSource;
  let emulator: StripeEmulator;
  let gateway: SwitchableGateway;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) =>
        b.overrideProvider(PaymentGateway).useFactory({
          factory: (stripe: StripeClient) =>
            new SwitchableGateway(new StripePaymentGateway(stripe)),
          inject: [StripeClient],
        }),
    });
    gateway = t.get(PaymentGateway) as SwitchableGateway;
    db = t.get(DataSource);
    ({ emulator } = await webhooksToThisApp(t));
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const anOrder = (quantity = 2, price = 2500) => aPlacedOrder(t, quantity, price);

  /**
   * An order whose customer paid something else than its total: the intent
   * was changed at the provider before the payment (as in the dashboard),
   * so Stripe really holds `received` and the webhook flags the order.
   */
  async function aMismatchedOrder(
    options: { quantity?: number; short?: number; currency?: string } = {},
  ): Promise<PlacedOrder & { received: number }> {
    const placed = await anOrder(options.quantity ?? 2);
    const intent = emulator.store.retrieveIntent(placed.intentId);
    intent.amount = placed.total - (options.short ?? 100);
    if (options.currency) intent.currency = options.currency;
    await t.get(PaymentSimulationService).simulate({ orderId: placed.orderId }, 'succeeded');
    await emulator.idle();
    const order = await adminView(placed.orderId);
    expect(order).toMatchObject({ status: 'pending_payment' });
    expect(order.reviewReason).toMatch(/^payment_mismatch/);
    return { ...placed, received: intent.amount };
  }

  const adminView = async (id: string) =>
    (
      (await db.query(`SELECT status, review_reason AS "reviewReason" FROM orders WHERE id = $1`, [
        id,
      ])) as { status: string; reviewReason: string | null }[]
    )[0]!;

  const resolve = (orderId: string, decision: string, as: TestUser = admin) =>
    t.http.post(`/api/v1/admin/orders/${orderId}/payment-review`).set(as.auth).send({ decision });

  const historyOf = async (orderId: string) =>
    (await db.query(
      `SELECT from_status AS "from", to_status AS "to", cause FROM order_status_history
        WHERE order_id = $1 ORDER BY id`,
      [orderId],
    )) as { from: string | null; to: string; cause: string }[];

  const chargeOf = (intentId: string) =>
    emulator.store.retrieveCharge(emulator.store.retrieveIntent(intentId).latest_charge ?? '');

  const paidMails = async (email: string) =>
    (
      await db.query(
        `SELECT 1 FROM pgboss.job
          WHERE name = 'mail.send' AND data->>'to' = $1 AND data->>'subject' LIKE '%confirmed'`,
        [email],
      )
    ).length;

  describe('finding orders under review', () => {
    test('GET /admin/orders?underReview=true → only orders waiting for a decision; false → the others', async () => {
      const flagged = await aMismatchedOrder();
      const pending = await anOrder();
      const resolved = await aMismatchedOrder();
      expect((await resolve(resolved.orderId, 'accept')).status).toBe(200);

      const open = await t.http
        .get('/api/v1/admin/orders?underReview=true&limit=100')
        .set(admin.auth);
      expect(open.status).toBe(200);
      const ids = (open.body.items as { id: string }[]).map((o) => o.id);
      expect(ids).toContain(flagged.orderId);
      expect(ids).not.toContain(pending.orderId);
      expect(ids).not.toContain(resolved.orderId);
      for (const o of open.body.items as { status: string; reviewReason: string | null }[]) {
        expect(o.status).toBe('pending_payment');
        expect(o.reviewReason).toMatch(/^payment_mismatch: order \d+ EUR, intent \d+ EUR$/);
      }

      const others = await t.http
        .get('/api/v1/admin/orders?underReview=false&limit=100')
        .set(admin.auth);
      const otherIds = (others.body.items as { id: string }[]).map((o) => o.id);
      expect(otherIds).toEqual(expect.arrayContaining([pending.orderId, resolved.orderId]));
      expect(otherIds).not.toContain(flagged.orderId);

      // With a status filter too, and paginated like every list.
      const page = await t.http
        .get('/api/v1/admin/orders?underReview=true&status=paid')
        .set(admin.auth);
      expect(page.body).toEqual({ items: [], nextCursor: null });
    });

    test('underReview other than true/false → 400 naming it; a customer → 403', async () => {
      const bad = await t.http.get('/api/v1/admin/orders?underReview=yes').set(admin.auth);
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'underReview' })]);
      const customer = await aCustomer(t);
      expect(
        (await t.http.get('/api/v1/admin/orders?underReview=true').set(customer.auth)).status,
      ).toBe(403);
    });
  });

  describe('accept', () => {
    test('→ 200: paid with what was received, review cleared, stock sold, history names who and why', async () => {
      const o = await aMismatchedOrder({ quantity: 3, short: 250 });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 3 });

      const res = await resolve(o.orderId, 'accept');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: o.orderId,
        status: 'paid',
        reviewReason: null,
        reviewDecision: 'accepted',
        amountPaid: { amount: o.received, currency: 'EUR' },
      });
      expect(res.body.history.at(-1)).toMatchObject({
        from: 'pending_payment',
        to: 'paid',
        cause: `payment_review_accepted_by:${admin.id} (payment_mismatch: order ${o.total} EUR, intent ${o.received} EUR)`,
      });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 7, reserved: 0 });
      expect(await paidMails(o.user.email)).toBe(1);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === o.intentId)).toEqual([]);
      // The customer sees the same order.
      const mine = await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth);
      expect(mine.body).toMatchObject({ status: 'paid', reviewReason: null });

      // The accepted payment is refundable as any other, up to what was received.
      const refund = await t.http
        .post(`/api/v1/admin/orders/${o.orderId}/refund`)
        .set(admin.auth)
        .send({});
      expect(refund.status).toBe(202);
      expect(refund.body.refund.amount).toEqual({ amount: o.received, currency: 'EUR' });
    });

    test('twice, or concurrently → 200 each, one sale; reject afterwards → 409', async () => {
      const o = await aMismatchedOrder();
      const replies = await Promise.all(
        Array.from({ length: 5 }, () => resolve(o.orderId, 'accept')),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(replies.map((r) => r.body.status))).toEqual(new Set(['paid']));
      expect((await historyOf(o.orderId)).filter((h) => h.to === 'paid')).toHaveLength(1);
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 8, reserved: 0 });
      expect(await paidMails(o.user.email)).toBe(1);

      const again = await resolve(o.orderId, 'accept');
      expect(again.status).toBe(200);
      expect(again.body.history).toEqual(replies[0]!.body.history);

      const reject = await resolve(o.orderId, 'reject');
      expect(reject.status).toBe(409);
      expect(reject.headers['content-type']).toContain('application/problem+json');
      expect(reject.body.type).toMatch(/order-review-conflict$/);
      expect(reject.body.detail).toMatch(/accepted already/);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === o.intentId)).toEqual([]);
    });

    test('a payment in another currency → 422, nothing changed; rejecting it refunds it', async () => {
      const o = await aMismatchedOrder({ short: 0, currency: 'usd' });
      const res = await resolve(o.orderId, 'accept');
      expect(res.status).toBe(422);
      expect(res.body.detail).toMatch(/USD.*EUR.*reject it instead/);
      expect(await adminView(o.orderId)).toMatchObject({ status: 'pending_payment' });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 2 });

      // Stripe's webhook for the refund waits until the reply is in, so the
      // reply shows the reject's own figures, not the webhook's after them.
      const webhooks = await heldWebhooks(emulator);
      let reject;
      try {
        reject = await resolve(o.orderId, 'reject');
      } finally {
        await webhooks.release();
      }
      expect(reject.status).toBe(200);
      expect(reject.body).toMatchObject({
        status: 'cancelled',
        reviewReason: null,
        // Not booked in the order's currency: the amounts were dollars.
        amountPaid: { amount: 0, currency: 'EUR' },
        // Shown apart, in dollars.
        foreignPayment: {
          amountPaid: { amount: o.received, currency: 'USD' },
          amountRefunded: { amount: 0, currency: 'USD' },
        },
      });
      expect(chargeOf(o.intentId)).toMatchObject({ amount_refunded: o.received, currency: 'usd' });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
      // Stripe's charge.refunded confirms the refund in dollars, never in euros.
      await emulator.idle();
      const seen = await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth);
      expect(seen.body).toMatchObject({
        amountRefunded: { amount: 0, currency: 'EUR' },
        foreignPayment: { amountRefunded: { amount: o.received, currency: 'USD' } },
      });
      const listed = await t.http
        .get('/api/v1/admin/orders?underReview=true&limit=100')
        .set(admin.auth);
      expect(listed.body.items.map((i: { id: string }) => i.id)).not.toContain(o.orderId);
    });
  });

  describe('reject', () => {
    test('→ 200: refunded in full through Stripe, cancelled, stock released, review cleared', async () => {
      const o = await aMismatchedOrder({ quantity: 4 });

      const res = await resolve(o.orderId, 'reject');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'cancelled',
        reviewReason: null,
        amountPaid: { amount: o.received, currency: 'EUR' },
      });
      expect(res.body.history.at(-1)).toMatchObject({
        from: 'pending_payment',
        to: 'cancelled',
        cause: `payment_review_rejected_by:${admin.id} (payment_mismatch: order ${o.total} EUR, intent ${o.received} EUR)`,
      });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === o.intentId)).toEqual([
        { paymentIntentId: o.intentId, idempotencyKey: `review-reject-${o.orderId}` },
      ]);
      // Stripe's charge.refunded then confirms it on the order.
      await emulator.idle();
      const after = await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth);
      expect(after.body).toMatchObject({
        status: 'cancelled',
        amountRefunded: { amount: o.received, currency: 'EUR' },
      });
      // The customer can no more cancel it than before.
      const cancel = await t.http.post(`/api/v1/orders/${o.orderId}/cancel`).set(o.user.auth);
      expect(cancel.status).toBe(409);
    });

    test('concurrent rejects → 200 each, one refund, one cancellation, stock released once', async () => {
      const o = await aMismatchedOrder({ quantity: 3 });
      const replies = await Promise.all(
        Array.from({ length: 5 }, () => resolve(o.orderId, 'reject')),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
      expect(emulator.store.retrieveCharge(chargeOf(o.intentId).id).refunded).toBe(true);
      expect((await historyOf(o.orderId)).filter((h) => h.to === 'cancelled')).toHaveLength(1);
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
      const accept = await resolve(o.orderId, 'accept');
      expect(accept.status).toBe(409);
      expect(accept.body.detail).toMatch(/rejected already/);
    });

    test('with an Idempotency-Key: a repeat replays the reply, the key with another decision or order → 422', async () => {
      const o = await aMismatchedOrder({ quantity: 2 });
      const other = await aMismatchedOrder({ quantity: 1 });
      const key = randomUUID();
      const send = (orderId: string, decision: string) =>
        t.http
          .post(`/api/v1/admin/orders/${orderId}/payment-review`)
          .set(admin.auth)
          .set('idempotency-key', key)
          .send({ decision });

      const first = await send(o.orderId, 'reject');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'cancelled' });
      const again = await send(o.orderId, 'reject');
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === o.intentId)).toHaveLength(1);

      const otherDecision = await send(o.orderId, 'accept');
      expect(otherDecision.status).toBe(422);
      const otherOrder = await send(other.orderId, 'reject');
      expect(otherOrder.status).toBe(422);
      expect((await adminView(other.orderId)).status).toBe('pending_payment');
      expect(gateway.refunds.filter((r) => r.paymentIntentId === other.intentId)).toHaveLength(0);

      const badKey = await t.http
        .post(`/api/v1/admin/orders/${other.orderId}/payment-review`)
        .set(admin.auth)
        .set('idempotency-key', 'x'.repeat(256))
        .send({ decision: 'reject' });
      expect(badKey.status).toBe(400);
      expect((await adminView(other.orderId)).status).toBe('pending_payment');
    });

    test('accept and reject at once → one wins, the other is a 409, and money and stock agree', async () => {
      const o = await aMismatchedOrder();
      const [a, r] = await Promise.all([
        resolve(o.orderId, 'accept'),
        resolve(o.orderId, 'reject'),
      ]);
      expect([a.status, r.status].sort()).toEqual([200, 409]);
      await emulator.idle();
      const [row] = await db.query(
        `SELECT status, review_reason, review_decision FROM orders WHERE id = $1`,
        [o.orderId],
      );
      if (a.status === 200) {
        expect(row).toEqual({ status: 'paid', review_reason: null, review_decision: 'accepted' });
        expect(chargeOf(o.intentId).amount_refunded).toBe(0);
        expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 8, reserved: 0 });
      } else {
        expect(row).toEqual({
          status: 'cancelled',
          review_reason: null,
          review_decision: 'rejected',
        });
        expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
        expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
      }
    });

    test('Stripe’s refund event arriving before the order is cancelled is applied once it is', async () => {
      const o = await aMismatchedOrder();
      // charge.refunded reaches the API while the rejection is between its
      // refund and its last write: the order is still pending, so it is deferred.
      gateway.afterRefund = () => emulator.idle();
      const res = await resolve(o.orderId, 'reject');
      expect(res.status).toBe(200);
      const [event] = await db.query(
        `SELECT status FROM payment_events WHERE type = 'charge.refunded' AND object_id = $1`,
        [chargeOf(o.intentId).id],
      );
      expect(event).toEqual({ status: 'processed' });
      expect((await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth)).body).toMatchObject(
        {
          status: 'cancelled',
          amountRefunded: { amount: o.received, currency: 'EUR' },
        },
      );
    });

    test('its deferred refund event is applied even with over a hundred older ones waiting for other orders', async () => {
      // Another order, placed and never paid: refund events for it wait.
      const waiting = await anOrder(1);
      const stale = Array.from({ length: 101 }, (_, i) => {
        const event = aStripeEvent('charge.refunded', {
          id: `ch_waiting_${i}`,
          object: 'charge',
          payment_intent: waiting.intentId,
          amount_refunded: 1,
          currency: 'eur',
        });
        return { ...event, created: 946684800 + i }; // 2000-01-01, older than any real one
      });
      await db.query(
        `INSERT INTO payment_events (id, type, object_id, payload, status, event_created_at)
         SELECT e->>'id', e->>'type', e#>>'{data,object,id}', e, 'deferred',
                to_timestamp((e->>'created')::bigint)
           FROM jsonb_array_elements($1::jsonb) AS e`,
        [JSON.stringify(stale)],
      );
      try {
        const o = await aMismatchedOrder();
        gateway.afterRefund = () => emulator.idle();
        expect((await resolve(o.orderId, 'reject')).status).toBe(200);
        const [event] = await db.query(
          `SELECT status FROM payment_events WHERE type = 'charge.refunded' AND object_id = $1`,
          [chargeOf(o.intentId).id],
        );
        expect(event).toEqual({ status: 'processed' });
        const waitingStill = await db.query(
          `SELECT count(*)::int AS n FROM payment_events WHERE id LIKE 'evt_orders_%' AND object_id LIKE 'ch_waiting_%' AND status = 'deferred'`,
        );
        expect(waitingStill).toEqual([{ n: 101 }]);
      } finally {
        await db.query(`DELETE FROM payment_events WHERE object_id LIKE 'ch_waiting_%'`);
      }
    });

    test('a redelivered payment_intent.succeeded after rejecting a payment in another currency flags nothing and refunds nothing more', async () => {
      // Dollars: the order books none of them, so only the recorded decision
      // tells this payment from one that arrived after a cancellation.
      const o = await aMismatchedOrder({ short: 0, currency: 'usd' });
      expect((await resolve(o.orderId, 'reject')).status).toBe(200);
      await emulator.idle();
      const refundsBefore = gateway.refunds.length;
      const event = aStripeEvent(
        'payment_intent.succeeded',
        structuredClone(emulator.store.retrieveIntent(o.intentId)) as unknown as Record<
          string,
          unknown
        >,
      );
      expect((await deliver(t, event, t.config.stripeWebhookSecret)).status).toBe(200);
      const [row] = await db.query(
        `SELECT status, review_reason, amount_refunded::int AS refunded FROM orders WHERE id = $1`,
        [o.orderId],
      );
      // Nor is Stripe's refund of it booked in euros.
      expect(row).toEqual({ status: 'cancelled', review_reason: null, refunded: 0 });
      expect(gateway.refunds.length).toBe(refundsBefore);
      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
    });

    test('Stripe unreachable → 503, the rejection stays decided (accept is a 409); rejecting again finishes it with the same refund', async () => {
      const o = await aMismatchedOrder();
      gateway.refundsDown = true;
      try {
        const down = await resolve(o.orderId, 'reject');
        expect(down.status).toBe(503);
        expect(down.headers['content-type']).toContain('application/problem+json');
      } finally {
        gateway.refundsDown = false;
      }
      const [row] = await db.query(`SELECT status, review_decision FROM orders WHERE id = $1`, [
        o.orderId,
      ]);
      expect(row).toEqual({ status: 'pending_payment', review_decision: 'rejected' });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 2 });
      // Still on the list: it waits for the rejection to be finished.
      const listed = await t.http
        .get('/api/v1/admin/orders?underReview=true&limit=100')
        .set(admin.auth);
      expect((listed.body.items as { id: string }[]).map((i) => i.id)).toContain(o.orderId);
      expect((await resolve(o.orderId, 'accept')).status).toBe(409);

      const again = await resolve(o.orderId, 'reject');
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('cancelled');
      const asked = gateway.refunds.filter((r) => r.paymentIntentId === o.intentId);
      expect(asked).toHaveLength(2);
      expect(new Set(asked.map((r) => r.idempotencyKey)).size).toBe(1);
      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
    });

    test('a rejection resumed after an outage that Stripe then refuses is open again: accept works', async () => {
      const o = await aMismatchedOrder();
      gateway.refundsDown = true;
      try {
        expect((await resolve(o.orderId, 'reject')).status).toBe(503);
      } finally {
        gateway.refundsDown = false;
      }
      // Stripe refuses the refund the retry asks for: no money moved.
      gateway.beforeRefund = () =>
        Promise.reject(new PaymentStateConflictError('The charge is disputed', 'charge_disputed'));
      const refused = await resolve(o.orderId, 'reject');
      expect(refused.status).toBe(409);
      const [row] = await db.query(`SELECT status, review_decision FROM orders WHERE id = $1`, [
        o.orderId,
      ]);
      expect(row).toEqual({ status: 'pending_payment', review_decision: null });
      expect(chargeOf(o.intentId).amount_refunded).toBe(0);

      const accepted = await resolve(o.orderId, 'accept');
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ status: 'paid', reviewDecision: 'accepted' });
    });

    test('Stripe answering idempotency_key_in_use (a repeat’s refund in flight) leaves the rejection decided; the repeat finishes it', async () => {
      const o = await aMismatchedOrder();
      // The first rejection reaches Stripe while a repeat's identical refund
      // (same key) is in progress there: Stripe answers 409 in use, and the
      // repeat's refund goes through.
      let repeat: Promise<{ status: number }> | undefined;
      let repeatRefunded!: () => void;
      const refundedByRepeat = new Promise<void>((resolve) => (repeatRefunded = resolve));
      gateway.beforeRefund = async () => {
        gateway.afterRefund = async () => {
          repeatRefunded();
          // The repeat goes on once the first has answered.
          await first;
        };
        repeat = resolve(o.orderId, 'reject').then((r) => r);
        await refundedByRepeat;
        throw new PaymentStateConflictError(
          'There is currently another in-progress request using this Idempotent Key',
          'idempotency_key_in_use',
        );
      };
      // Declared after the hooks that await it: they run once it is sent.
      const first = resolve(o.orderId, 'reject').then((r) => r);
      const firstReply = await first;
      expect(firstReply.status).toBe(409);
      expect((await repeat!).status).toBe(200);

      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
      const [row] = await db.query(`SELECT status, review_decision FROM orders WHERE id = $1`, [
        o.orderId,
      ]);
      expect(row).toEqual({ status: 'cancelled', review_decision: 'rejected' });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
      // A refunded payment can never be accepted as the order's.
      expect((await resolve(o.orderId, 'accept')).status).toBe(409);
    });

    test('a charge already refunded by hand in the dashboard → the rejection completes', async () => {
      const o = await aMismatchedOrder();
      await (
        await t.get(StripeClient).get()
      ).refunds.create({ payment_intent: o.intentId }, { idempotencyKey: `dash-${o.intentId}` });
      const res = await resolve(o.orderId, 'reject');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
    });

    test('its refund failed by the bank → admins see the rejection with the money held and refund it; customers never see the decision', async () => {
      const o = await aMismatchedOrder();
      const rejected = await resolve(o.orderId, 'reject');
      expect(rejected.status).toBe(200);
      expect(rejected.body.reviewDecision).toBe('rejected');
      await emulator.idle();
      const made = gateway.made.filter((r) => r.paymentIntentId === o.intentId);
      expect(made).toHaveLength(1);
      emulator.failRefund(made[0]!.id);
      await emulator.idle();

      const list = await t.http
        .get('/api/v1/admin/orders?status=cancelled&limit=100')
        .set(admin.auth);
      expect(list.status).toBe(200);
      expect(list.body.items.find((i: { id: string }) => i.id === o.orderId)).toMatchObject({
        status: 'cancelled',
        reviewDecision: 'rejected',
        amountPaid: { amount: o.received },
        amountRefunded: { amount: 0 },
      });
      const mine = await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth);
      expect(mine.body).toMatchObject({ status: 'cancelled', amountRefunded: { amount: 0 } });
      expect(mine.body).not.toHaveProperty('reviewDecision');

      const refund = await t.http
        .post(`/api/v1/admin/orders/${o.orderId}/refund`)
        .set(admin.auth)
        .send({});
      expect(refund.status).toBe(202);
      expect(refund.body.refund.amount).toEqual({ amount: o.received, currency: 'EUR' });
      expect(refund.body.order).toMatchObject({ status: 'cancelled', reviewDecision: 'rejected' });
      await emulator.idle();
      expect(chargeOf(o.intentId).amount_refunded).toBe(o.received);
      const after = await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth);
      expect(after.body).toMatchObject({
        status: 'cancelled',
        amountRefunded: { amount: o.received },
      });
      expect(after.body.history).toEqual(mine.body.history);
    });
  });

  describe('refusals', () => {
    test('an order with nothing to review → 409 either way, nothing changed', async () => {
      const pending = await anOrder();
      for (const decision of ['accept', 'reject']) {
        const res = await resolve(pending.orderId, decision);
        expect(res.status).toBe(409);
        expect(res.body.type).toMatch(/order-review-conflict$/);
      }
      expect(await stockOf(t, pending.variant.id)).toEqual({ onHand: 10, reserved: 2 });
      expect(await historyOf(pending.orderId)).toHaveLength(1);
    });

    test('a payment after cancellation (refunded automatically) → 409 saying so', async () => {
      const o = await anOrder();
      await cancelLeavingIntentPayable(t, o);
      await t.get(PaymentSimulationService).simulate({ orderId: o.orderId }, 'succeeded');
      await emulator.idle();
      const [row] = await db.query(`SELECT review_reason FROM orders WHERE id = $1`, [o.orderId]);
      expect(row.review_reason).toBe('paid_after_cancellation');

      const res = await resolve(o.orderId, 'reject');
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/refunded automatically/);
      const listed = await t.http
        .get('/api/v1/admin/orders?underReview=true&limit=100')
        .set(admin.auth);
      expect((listed.body.items as { id: string }[]).map((i) => i.id)).not.toContain(o.orderId);
    });

    test('unknown or malformed id → 404; a bad or missing decision, or an unknown field → 400; a customer → 403', async () => {
      for (const id of [randomUUID(), 'not-a-uuid']) {
        const res = await resolve(id, 'accept');
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      const o = await aMismatchedOrder();
      for (const body of [{ decision: 'maybe' }, {}, { decision: 'accept', note: 'x' }]) {
        const res = await t.http
          .post(`/api/v1/admin/orders/${o.orderId}/payment-review`)
          .set(admin.auth)
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.errors.length).toBeGreaterThan(0);
      }
      expect((await resolve(o.orderId, 'accept', o.user)).status).toBe(403);
      expect(await adminView(o.orderId)).toMatchObject({ status: 'pending_payment' });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 2 });
    });
  });
});
