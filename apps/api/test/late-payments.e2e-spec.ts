import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import type { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import { PaymentSimulationService } from '../src/payments/payment-simulation.service.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { reappliedAfter } from './support/deferred-events.js';
import { webhooksToThisApp } from './support/emulator.js';
import {
  aPlacedOrder,
  aStripeEvent,
  cancelLeavingIntentPayable,
  deliver,
  type PlacedOrder,
} from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

interface AdminOrder {
  id: string;
  status: string;
  amountPaid: { amount: number; currency: string };
  amountRefunded: { amount: number; currency: string };
  amountReturnedOutside: { amount: number; currency: string };
  foreignPayment: {
    amountPaid: { amount: number; currency: string };
    amountRefunded: { amount: number; currency: string };
    amountReturnedOutside: { amount: number; currency: string };
  } | null;
  reviewReason: string | null;
  history: { from: string | null; to: string; cause: string }[];
}

/**
 * Late payments (paid after their order was cancelled) end to end through
 * the local Stripe emulator: its signed webhooks reach the listening API, so
 * the automatic refund, the customer's dispute and the bank's decision all
 * happen as with Stripe.
 */
describe('late payments: chargebacks, settlements outside the shop, other currencies', () => {
  let t: TestApp;
  let db: DataSource;
  let emulator: StripeEmulator;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.get(DataSource);
    ({ emulator } = await webhooksToThisApp(t));
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Every event sent so far, and those their handling sent (the automatic
   * refund's), delivered, and the events a payment unblocked (a dispute
   * delivered beside it, first) re-applied.
   */
  const settle = async () => {
    await emulator.idle();
    await emulator.idle();
    await reappliedAfter(t);
  };

  /** Stripe's payment_intent.succeeded for the intent as the emulator holds it now. */
  const succeededEvent = (intentId: string) =>
    aStripeEvent(
      'payment_intent.succeeded',
      structuredClone(emulator.store.retrieveIntent(intentId)) as unknown as Record<
        string,
        unknown
      >,
    );

  /** An order of 30.00 EUR the customer cancelled while its intent stayed payable. */
  async function aCancelledPayableOrder(): Promise<PlacedOrder> {
    const placed = await aPlacedOrder(t, 1, 3000);
    await cancelLeavingIntentPayable(t, placed);
    return placed;
  }

  /**
   * Paid late, and disputed with the bank before the shop could refund it:
   * Stripe refuses the automatic refund (`charge_disputed`), and the order
   * holds the money under review.
   */
  async function aDisputedLatePayment(options: { amount?: number } = {}) {
    const placed = await aCancelledPayableOrder();
    emulator.simulate(placed.intentId, 'succeeded');
    const opened = emulator.openDispute(placed.intentId, options);
    const disputeId = (opened.data.object as { id: string }).id;
    await settle();
    const order = await adminOrder(placed.orderId);
    expect(order).toMatchObject({
      status: 'cancelled',
      amountPaid: { amount: 3000 },
      amountReturnedOutside: { amount: 0, currency: 'EUR' },
      reviewReason: 'late_payment_refund_refused: charge_disputed',
    });
    expect(await underReview()).toContain(placed.orderId);
    return { ...placed, disputeId };
  }

  const adminOrder = async (id: string): Promise<AdminOrder> => {
    const res = await t.http.get(`/api/v1/admin/orders?limit=100`).set(admin.auth);
    expect(res.status).toBe(200);
    const found = (res.body.items as AdminOrder[]).find((o) => o.id === id);
    if (!found) throw new Error(`order ${id} is not among the newest 100`);
    return found;
  };
  const underReview = async (): Promise<string[]> => {
    const res = await t.http.get('/api/v1/admin/orders?underReview=true&limit=100').set(admin.auth);
    expect(res.status).toBe(200);
    return (res.body.items as { id: string }[]).map((o) => o.id);
  };
  const chargeOf = (intentId: string) =>
    emulator.store.retrieveCharge(emulator.store.retrieveIntent(intentId).latest_charge ?? '');
  const refund = (orderId: string, body: object = {}) =>
    t.http.post(`/api/v1/admin/orders/${orderId}/refund`).set(admin.auth).send(body);
  const settleOutside = (orderId: string, body: object, as: TestUser = admin) =>
    t.http.post(`/api/v1/admin/orders/${orderId}/settle-outside`).set(as.auth).send(body);
  const eventRow = async (id: string) =>
    (
      (await db.query(`SELECT status, last_error FROM payment_events WHERE id = $1`, [id])) as {
        status: string;
        last_error: string | null;
      }[]
    )[0];
  const eventStatus = async (id: string) =>
    (
      (await db.query(`SELECT status FROM payment_events WHERE id = $1`, [id])) as {
        status: string;
      }[]
    )[0]?.status;

  describe('a late payment in another currency than the order', () => {
    const eur = (amount: number) => ({ amount, currency: 'EUR' });
    const usd = (amount: number) => ({ amount, currency: 'USD' });

    /** The order of 30.00 EUR, cancelled, its intent changed to USD at the provider (as in the dashboard). */
    async function aCancelledOrderPayableInUsd(): Promise<PlacedOrder> {
      const placed = await aCancelledPayableOrder();
      emulator.store.retrieveIntent(placed.intentId).currency = 'usd';
      return placed;
    }

    test('is refunded by Stripe in its own currency and booked apart, in USD, never in the order’s EUR figures', async () => {
      const placed = await aCancelledOrderPayableInUsd();
      emulator.simulate(placed.intentId, 'succeeded');
      await settle();

      expect(chargeOf(placed.intentId)).toMatchObject({ currency: 'usd', amount_refunded: 3000 });
      const order = await adminOrder(placed.orderId);
      expect(order).toMatchObject({
        status: 'cancelled',
        reviewReason: 'paid_after_cancellation',
        amountPaid: eur(0),
        amountRefunded: eur(0),
        amountReturnedOutside: eur(0),
        foreignPayment: {
          amountPaid: usd(3000),
          amountRefunded: usd(3000),
          amountReturnedOutside: usd(0),
        },
      });
      expect(await underReview()).not.toContain(placed.orderId);
      // Nothing is held: an admin refund would move money Stripe paid back already.
      expect((await refund(placed.orderId)).status).toBe(409);
      // The customer sees the same figures.
      const own = await t.http.get(`/api/v1/orders/${placed.orderId}`).set(placed.user.auth);
      expect(own.status).toBe(200);
      expect(own.body).toMatchObject({ amountPaid: eur(0), foreignPayment: order.foreignPayment });
    });

    test('an order paid in its own currency shows no foreign payment', async () => {
      const o = await aDisputedLatePayment();
      expect((await adminOrder(o.orderId)).foreignPayment).toBeNull();
    });

    /** Paid late in USD and disputed before the shop could refund it: Stripe refuses the refund. */
    async function aDisputedUsdLatePayment() {
      const placed = await aCancelledOrderPayableInUsd();
      emulator.simulate(placed.intentId, 'succeeded');
      const opened = emulator.openDispute(placed.intentId);
      await settle();
      return { ...placed, disputeId: (opened.data.object as { id: string }).id };
    }

    test('its refund refused: under review naming the USD amount held, the order’s EUR figures untouched', async () => {
      const o = await aDisputedUsdLatePayment();
      const order = await adminOrder(o.orderId);
      expect(order).toMatchObject({
        status: 'cancelled',
        amountPaid: eur(0),
        amountRefunded: eur(0),
        foreignPayment: {
          amountPaid: usd(3000),
          amountRefunded: usd(0),
          amountReturnedOutside: usd(0),
        },
        reviewReason:
          "late_payment_refund_refused: charge_disputed (3000 USD held, not in the order's currency)",
      });
      expect(await underReview()).toContain(o.orderId);
      expect(order.history.at(-1)?.cause).toBe(
        `charge.dispute.created: fraudulent, 3000 USD disputed (${o.disputeId})`,
      );
    });

    test('a lost dispute returns it in USD; the order leaves the review list', async () => {
      const o = await aDisputedUsdLatePayment();
      emulator.closeDispute(o.disputeId, 'lost');
      await settle();
      const order = await adminOrder(o.orderId);
      expect(order).toMatchObject({
        amountPaid: eur(0),
        amountReturnedOutside: eur(0),
        foreignPayment: { amountPaid: usd(3000), amountReturnedOutside: usd(3000) },
        reviewReason: 'late_payment_charged_back: fraudulent',
      });
      expect(order.history.at(-1)?.cause).toMatch(
        /^charge\.dispute\.closed: lost .*3000 USD went back to the customer through the bank$/,
      );
      expect(await underReview()).not.toContain(o.orderId);
      expect((await settleOutside(o.orderId, { note: 'by transfer' })).status).toBe(409);
    });

    test('a won dispute leaves it owed: the admin refund gives it back in USD, in part or whole', async () => {
      const o = await aDisputedUsdLatePayment();
      emulator.closeDispute(o.disputeId, 'won');
      await settle();
      expect(await underReview()).toContain(o.orderId);

      const part = await t.http
        .post(`/api/v1/admin/orders/${o.orderId}/refund`)
        .set(admin.auth)
        .send({ amount: usd(1000) });
      expect(part.status).toBe(202);
      expect(part.body.refund.amount).toEqual(usd(1000));
      // More than is left of it, or in the order's currency, which it does not hold.
      for (const [amount, status] of [
        [usd(2001), 422],
        [eur(100), 409],
      ] as const) {
        const res = await t.http
          .post(`/api/v1/admin/orders/${o.orderId}/refund`)
          .set(admin.auth)
          .send({ amount });
        expect(res.status).toBe(status);
      }
      const rest = await refund(o.orderId);
      expect(rest.status).toBe(202);
      expect(rest.body.refund.amount).toEqual(usd(2000));
      await settle();

      expect(chargeOf(o.intentId)).toMatchObject({ currency: 'usd', amount_refunded: 3000 });
      expect(await adminOrder(o.orderId)).toMatchObject({
        amountPaid: eur(0),
        amountRefunded: eur(0),
        foreignPayment: { amountPaid: usd(3000), amountRefunded: usd(3000) },
      });
      expect(await underReview()).not.toContain(o.orderId);
      expect((await refund(o.orderId)).status).toBe(409);
    });

    test('its automatic refund failed by the bank: held in USD, under review, and the admin refund gives it back in USD', async () => {
      const placed = await aCancelledOrderPayableInUsd();
      emulator.simulate(placed.intentId, 'succeeded');
      await settle();
      // The automatic refund, replayed for its key: the same refund.
      const made = await (
        await t.get(StripeClient).get()
      ).refunds.create(
        { payment_intent: placed.intentId, amount: 3000 },
        { idempotencyKey: `late-payment-${placed.intentId}` },
      );
      expect(made).toMatchObject({ currency: 'usd', amount: 3000 });
      emulator.failRefund(made.id);
      await settle();

      expect(await adminOrder(placed.orderId)).toMatchObject({
        status: 'cancelled',
        amountPaid: eur(0),
        amountRefunded: eur(0),
        foreignPayment: { amountPaid: usd(3000), amountRefunded: usd(0) },
      });
      expect(await underReview()).toContain(placed.orderId);

      const res = await refund(placed.orderId);
      expect(res.status).toBe(202);
      expect(res.body.refund.amount).toEqual(usd(3000));
      await settle();
      expect(chargeOf(placed.intentId).amount_refunded).toBe(3000);
      expect(await adminOrder(placed.orderId)).toMatchObject({
        amountPaid: eur(0),
        amountRefunded: eur(0),
        foreignPayment: { amountPaid: usd(3000), amountRefunded: usd(3000) },
      });
      expect(await underReview()).not.toContain(placed.orderId);
    });

    test('refunded in parts after its automatic refund failed: an older charge.refunded arriving last changes nothing and completes', async () => {
      const placed = await aCancelledOrderPayableInUsd();
      emulator.simulate(placed.intentId, 'succeeded');
      await settle();
      const automatic = await (
        await t.get(StripeClient).get()
      ).refunds.create(
        { payment_intent: placed.intentId, amount: 3000 },
        { idempotencyKey: `late-payment-${placed.intentId}` },
      );
      emulator.failRefund(automatic.id);
      await settle();

      expect((await refund(placed.orderId, { amount: usd(1200) })).status).toBe(202);
      await settle();
      const older = aStripeEvent(
        'charge.refunded',
        structuredClone(chargeOf(placed.intentId)) as unknown as Record<string, unknown>,
      );
      expect(older.data.object).toMatchObject({ amount_refunded: 1200 });
      expect((await refund(placed.orderId, { amount: usd(1800) })).status).toBe(202);
      await settle();
      expect(await adminOrder(placed.orderId)).toMatchObject({
        foreignPayment: { amountRefunded: usd(3000) },
      });

      // Stripe's retry of the first part's event, after the second's was applied.
      const res = await deliver(t, older, t.config.stripeWebhookSecret);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'processed' });
      expect(await eventStatus(older.id)).toBe('processed');
      expect(await adminOrder(placed.orderId)).toMatchObject({
        amountRefunded: eur(0),
        foreignPayment: { amountPaid: usd(3000), amountRefunded: usd(3000) },
      });
    });

    test('settled outside the shop in USD; the order’s EUR figures stay at zero', async () => {
      const o = await aDisputedUsdLatePayment();
      const res = await settleOutside(o.orderId, { note: 'paid back in USD by transfer' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        amountPaid: eur(0),
        amountReturnedOutside: eur(0),
        foreignPayment: { amountPaid: usd(3000), amountReturnedOutside: usd(3000) },
        reviewReason: 'late_payment_settled_outside',
      });
      expect(res.body.history.at(-1).cause).toBe(
        `settled_outside_shop_by:${admin.id} (3000 USD): paid back in USD by transfer`,
      );
      expect(await underReview()).not.toContain(o.orderId);
      expect(chargeOf(o.intentId).amount_refunded).toBe(0);
    });
  });

  describe('charge.dispute.created / charge.dispute.closed', () => {
    test('opened: recorded in the history, nothing moves', async () => {
      const o = await aDisputedLatePayment();
      const order = await adminOrder(o.orderId);
      expect(order.history.at(-1)).toEqual(
        expect.objectContaining({
          from: 'cancelled',
          to: 'cancelled',
          cause: `charge.dispute.created: fraudulent, 3000 EUR disputed (${o.disputeId})`,
        }),
      );
      expect(order.amountReturnedOutside.amount).toBe(0);
      // Stripe refuses refunds of a disputed charge: the admin is told so, nothing booked.
      const refused = await refund(o.orderId);
      expect(refused.status).toBe(409);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(await underReview()).toContain(o.orderId);
    });

    test('lost: the money went back through the bank; recorded, and the order leaves the review list', async () => {
      const o = await aDisputedLatePayment();
      const closed = emulator.closeDispute(o.disputeId, 'lost');
      await settle();
      expect(await eventStatus(closed.id)).toBe('processed');

      const order = await adminOrder(o.orderId);
      expect(order).toMatchObject({
        status: 'cancelled',
        amountPaid: { amount: 3000 },
        amountRefunded: { amount: 0 },
        amountReturnedOutside: { amount: 3000, currency: 'EUR' },
        reviewReason: 'late_payment_charged_back: fraudulent',
      });
      expect(order.history.at(-1)).toEqual(
        expect.objectContaining({ from: 'cancelled', to: 'cancelled' }),
      );
      expect(order.history.at(-1)?.cause).toMatch(
        /^charge\.dispute\.closed: lost .*3000 EUR went back to the customer through the bank$/,
      );
      expect(await underReview()).not.toContain(o.orderId);
      // Never given back twice: no refund, no settlement.
      expect((await refund(o.orderId)).status).toBe(409);
      expect((await settleOutside(o.orderId, { note: 'by transfer' })).status).toBe(409);
      expect(chargeOf(o.intentId).amount_refunded).toBe(0);

      // Stripe redelivering the event changes nothing.
      const again = await deliver(t, closed, t.config.stripeWebhookSecret);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('duplicate');
      expect(await adminOrder(o.orderId)).toEqual(order);
    });

    test('lost for part of the payment: that part is returned, the rest stays held and refundable', async () => {
      const o = await aDisputedLatePayment({ amount: 1000 });
      emulator.closeDispute(o.disputeId, 'lost');
      await settle();
      expect(await adminOrder(o.orderId)).toMatchObject({
        amountReturnedOutside: { amount: 1000 },
      });
      expect(await underReview()).toContain(o.orderId);
      // What went back through the bank cannot be refunded again.
      const tooMuch = await refund(o.orderId, { amount: { amount: 2001, currency: 'EUR' } });
      expect(tooMuch.status).toBe(422);
      expect(chargeOf(o.intentId).amount_refunded).toBe(0);
      const settled = await settleOutside(o.orderId, { note: 'rest paid back by transfer' });
      expect(settled.status).toBe(200);
      expect(settled.body.amountReturnedOutside).toEqual({ amount: 3000, currency: 'EUR' });
      expect(settled.body.history.at(-1).cause).toMatch(
        /\(2000 EUR\): rest paid back by transfer$/,
      );
      expect(await underReview()).not.toContain(o.orderId);
    });

    test('won: the money is back with the shop and still owed; the order stays under review and the admin refund now goes through', async () => {
      const o = await aDisputedLatePayment();
      emulator.closeDispute(o.disputeId, 'won');
      await settle();
      const order = await adminOrder(o.orderId);
      expect(order).toMatchObject({
        amountReturnedOutside: { amount: 0 },
        reviewReason: 'late_payment_refund_refused: charge_disputed',
      });
      expect(order.history.at(-1)?.cause).toMatch(/^charge\.dispute\.closed: won .*still owed$/);
      expect(await underReview()).toContain(o.orderId);

      const res = await refund(o.orderId);
      expect(res.status).toBe(202);
      await settle();
      expect(chargeOf(o.intentId).amount_refunded).toBe(3000);
      expect(await underReview()).not.toContain(o.orderId);
    });

    test('a dispute delivered before its late payment waits for it, then applies once', async () => {
      const placed = await aCancelledPayableOrder();
      emulator.store.simulate(placed.intentId, 'succeeded');
      const dispute = emulator.store.openDispute(placed.intentId, {});
      emulator.store.closeDispute(dispute.id, 'lost');
      const closed = aStripeEvent(
        'charge.dispute.closed',
        structuredClone(dispute) as unknown as Record<string, unknown>,
      );
      const early = await deliver(t, closed, t.config.stripeWebhookSecret);
      expect(early.status).toBe(200);
      expect(early.body.status).toBe('deferred');

      const paid = succeededEvent(placed.intentId);
      expect((await deliver(t, paid, t.config.stripeWebhookSecret)).status).toBe(200);
      await reappliedAfter(t, paid.id);
      expect(await eventStatus(closed.id)).toBe('processed');
      const order = await adminOrder(placed.orderId);
      expect(order).toMatchObject({
        amountPaid: { amount: 3000 },
        amountReturnedOutside: { amount: 3000 },
        reviewReason: 'late_payment_charged_back: fraudulent',
      });
      expect(order.history.filter((h) => h.cause.startsWith('charge.dispute.closed'))).toHaveLength(
        1,
      );
      expect(await underReview()).not.toContain(placed.orderId);
    });

    // Signed, so only a holder of the webhook secret can send these; Stripe's
    // disputes always have a known currency, whole amounts and text fields.
    // A currency of "e" failed as a 400 and left the event failed, retried for days.
    const malformed: [
      string,
      (dispute: Record<string, unknown>) => Record<string, unknown>,
      string,
    ][] = [
      [
        'a currency that names none',
        (d) => ({ ...d, currency: 'e' }),
        'dispute.currency must be a known ISO 4217 currency code, not "e"',
      ],
      [
        'a fractional amount',
        (d) => ({ ...d, amount: 2999.5 }),
        'dispute.amount must be a whole non-negative number of minor units, not 2999.5',
      ],
      [
        'an amount in words',
        (d) => ({ ...d, amount: 'all of it' }),
        'dispute.amount must be a whole non-negative number of minor units, not "all of it"',
      ],
      [
        'no status',
        ({ status: _status, ...rest }) => rest,
        'dispute.status must be text, not absent',
      ],
    ];
    test.each(malformed)(
      'charge.dispute.closed (lost) with %s → 200, recorded as ignored with why, nothing returned',
      async (_name, change, reason) => {
        const o = await aDisputedLatePayment();
        const before = await adminOrder(o.orderId);
        // Closed at the emulator only: the test sends its own event.
        const lost = structuredClone(emulator.store.closeDispute(o.disputeId, 'lost'));
        const event = aStripeEvent(
          'charge.dispute.closed',
          change(lost as unknown as Record<string, unknown>),
        );
        const res = await deliver(t, event, t.config.stripeWebhookSecret);
        expect(res.status).toBe(200);
        expect(res.body.status).toBe('ignored');
        expect(await eventRow(event.id)).toEqual({ status: 'ignored', last_error: reason });
        expect(await adminOrder(o.orderId)).toEqual(before);
        expect(await underReview()).toContain(o.orderId);

        // Stripe's own event of the close is still applied.
        const own = aStripeEvent(
          'charge.dispute.closed',
          lost as unknown as Record<string, unknown>,
        );
        expect((await deliver(t, own, t.config.stripeWebhookSecret)).body.status).toBe('processed');
        expect(await adminOrder(o.orderId)).toMatchObject({
          amountReturnedOutside: { amount: 3000, currency: 'EUR' },
          reviewReason: 'late_payment_charged_back: fraudulent',
        });
      },
    );

    test('charge.dispute.closed (lost) of a paid order with a currency that names none → 200, recorded as ignored', async () => {
      const placed = await aPlacedOrder(t, 1, 1500);
      emulator.simulate(placed.intentId, 'succeeded');
      await settle();
      const dispute = emulator.store.openDispute(placed.intentId, {});
      const lost = structuredClone(emulator.store.closeDispute(dispute.id, 'lost'));
      const event = aStripeEvent('charge.dispute.closed', { ...lost, currency: 'e' });
      const res = await deliver(t, event, t.config.stripeWebhookSecret);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ignored');
      expect(await eventRow(event.id)).toEqual({
        status: 'ignored',
        last_error: 'dispute.currency must be a known ISO 4217 currency code, not "e"',
      });
      expect(await adminOrder(placed.orderId)).toMatchObject({
        status: 'paid',
        amountReturnedOutside: { amount: 0 },
      });
    });

    test('a dispute of a paid order is acknowledged and ignored', async () => {
      const placed = await aPlacedOrder(t, 1, 1500);
      emulator.simulate(placed.intentId, 'succeeded');
      await settle();
      const opened = emulator.openDispute(placed.intentId);
      const closed = emulator.closeDispute((opened.data.object as { id: string }).id, 'lost');
      await settle();
      expect(await eventStatus(opened.id)).toBe('ignored');
      expect(await eventStatus(closed.id)).toBe('ignored');
      expect(await adminOrder(placed.orderId)).toMatchObject({
        status: 'paid',
        amountReturnedOutside: { amount: 0 },
      });
    });

    test('the emulator’s control routes (the CLI’s path) open and close disputes', async () => {
      const placed = await aCancelledPayableOrder();
      const simulation = t.get(PaymentSimulationService);
      // Disputed before the payment's webhook is handled: its refund is refused.
      emulator.store.simulate(placed.intentId, 'succeeded');
      const opened = await simulation.openDispute(
        { orderId: placed.orderId },
        { reason: 'product_not_received' },
      );
      expect(opened).toMatchObject({
        eventType: 'charge.dispute.created',
        status: 'needs_response',
      });
      await deliver(t, succeededEvent(placed.intentId), t.config.stripeWebhookSecret);
      const closed = await simulation.closeDispute(opened.disputeId, 'lost');
      expect(closed).toMatchObject({ eventType: 'charge.dispute.closed', status: 'lost' });
      await settle();
      expect(await adminOrder(placed.orderId)).toMatchObject({
        amountReturnedOutside: { amount: 3000 },
        reviewReason: 'late_payment_charged_back: product_not_received',
      });
      await expect(simulation.closeDispute(opened.disputeId, 'won')).rejects.toThrow(
        /closed already/,
      );
    });
  });

  describe('POST /admin/orders/:id/settle-outside', () => {
    test('→ 200: everything held counts as returned, the admin and the note in the history, off the review list; Stripe is asked nothing', async () => {
      const o = await aDisputedLatePayment();
      const res = await settleOutside(o.orderId, {
        note: '  Paid back by bank transfer, ref 4471 ',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: o.orderId,
        status: 'cancelled',
        amountReturnedOutside: { amount: 3000, currency: 'EUR' },
        reviewReason: 'late_payment_settled_outside',
      });
      expect(res.body.history.at(-1)).toMatchObject({
        from: 'cancelled',
        to: 'cancelled',
        cause: `settled_outside_shop_by:${admin.id} (3000 EUR): Paid back by bank transfer, ref 4471`,
      });
      expect(await underReview()).not.toContain(o.orderId);
      expect(chargeOf(o.intentId).amount_refunded).toBe(0);

      // Settled: nothing is left to refund or settle again.
      const again = await settleOutside(o.orderId, { note: 'again' });
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      expect(again.body.detail).toMatch(/holds no money to settle/);
      expect((await refund(o.orderId)).status).toBe(409);

      // The bank deciding the dispute later changes no amount.
      emulator.closeDispute(o.disputeId, 'lost');
      await settle();
      expect(await adminOrder(o.orderId)).toMatchObject({
        amountReturnedOutside: { amount: 3000 },
        reviewReason: 'late_payment_settled_outside',
      });
    });

    test('with an Idempotency-Key: a repeat replays the first reply and settles once; another note is a 422', async () => {
      const o = await aDisputedLatePayment();
      const key = randomUUID();
      const send = (note: string) => settleOutside(o.orderId, { note }).set('Idempotency-Key', key);
      const [a, b] = await Promise.all([send('agreed by phone'), send('agreed by phone')]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.body).toEqual(a.body);
      const entries = (await adminOrder(o.orderId)).history.filter((h) =>
        h.cause.startsWith('settled_outside_shop_by:'),
      );
      expect(entries).toHaveLength(1);
      expect((await send('something else')).status).toBe(422);
    });

    test('a note missing, blank or too long, or an unknown field → 400 naming it, nothing settled', async () => {
      const o = await aDisputedLatePayment();
      for (const body of [{}, { note: '   ' }, { note: 'x'.repeat(501) }, { note: 5 }]) {
        const res = await settleOutside(o.orderId, body);
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field: 'note' })]),
        );
      }
      expect((await settleOutside(o.orderId, { note: 'ok', amount: 1 })).status).toBe(400);
      expect(await underReview()).toContain(o.orderId);
    });

    test('an order holding nothing → 409; unknown → 404; a customer → 403', async () => {
      const paid = await aPlacedOrder(t, 1, 1200);
      emulator.simulate(paid.intentId, 'succeeded');
      await settle();
      const res = await settleOutside(paid.orderId, { note: 'n/a' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409 });
      expect((await settleOutside(randomUUID(), { note: 'n/a' })).status).toBe(404);
      const customer = await aCustomer(t);
      expect((await settleOutside(paid.orderId, { note: 'n/a' }, customer)).status).toBe(403);
    });
  });

  describe('a refund delivered before its late payment is booked', () => {
    // Unlike a dispute, whose loss counts only what the order holds, so
    // nothing before the payment: charge.refunded sets the charge's
    // cumulative figure, whatever was paid, and the late payment's booking
    // keeps it. So it is applied at once rather than deferred.
    test.each([
      ['in the order’s currency', 'eur'],
      ['in another currency', 'usd'],
    ])(
      '%s: counted at once, kept when the payment is booked, the rest refunded',
      async (_name, currency) => {
        const placed = await aCancelledPayableOrder();
        emulator.store.retrieveIntent(placed.intentId).currency = currency;
        emulator.store.simulate(placed.intentId, 'succeeded');
        // Part of it refunded in the dashboard; its event comes before the payment's.
        const { charge } = emulator.store.createRefund({
          payment_intent: placed.intentId,
          amount: '1000',
        });
        const refunded = aStripeEvent(
          'charge.refunded',
          structuredClone(charge) as unknown as Record<string, unknown>,
        );
        const early = await deliver(t, refunded, t.config.stripeWebhookSecret);
        expect(early.body.status).toBe('processed');

        const paid = succeededEvent(placed.intentId);
        expect((await deliver(t, paid, t.config.stripeWebhookSecret)).body.status).toBe(
          'processed',
        );
        const figures = (order: AdminOrder) =>
          currency === 'eur'
            ? { paid: order.amountPaid.amount, refunded: order.amountRefunded.amount }
            : {
                paid: order.foreignPayment?.amountPaid.amount,
                refunded: order.foreignPayment?.amountRefunded.amount,
              };
        // The dashboard's refund kept; the automatic refund's own event,
        // which the emulator sends at once, may have been counted already.
        const booked = figures(await adminOrder(placed.orderId));
        expect(booked.paid).toBe(3000);
        expect([1000, 3000]).toContain(booked.refunded);
        // The automatic refund asked Stripe for what the dashboard left.
        expect(chargeOf(placed.intentId).amount_refunded).toBe(3000);

        await settle();
        expect(figures(await adminOrder(placed.orderId))).toEqual({ paid: 3000, refunded: 3000 });
        expect(await underReview()).not.toContain(placed.orderId);
      },
    );
  });
});
