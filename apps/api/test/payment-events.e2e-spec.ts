import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { OrderExpiryService } from '../src/orders/order-expiry.service.js';
import { DeferredEventRetry, MAX_REAPPLY_ATTEMPTS } from '../src/payments/deferred-event-retry.js';
import { PaymentEventProcessor } from '../src/payments/payment-event-processor.service.js';
import { PaymentEventRepository } from '../src/payments/persistence/payment-event.repository.js';
import type { PaymentEvent } from '../src/payments/stripe-event.js';
import { reappliedAfter } from './support/deferred-events.js';
import { waitFor } from './support/jobs-probe.js';
import {
  aPlacedOrder,
  aStripeEvent,
  cancelLeavingIntentPayable,
  chargeObject,
  deliver,
  intentObject,
  type PlacedOrder,
  stockOf,
} from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin } from './support/users.js';

const SECRET = 'whsec_payment_events_test';

/** Every ordering of a list. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('payment events applied to orders (POST /webhooks/stripe)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: SECRET } });
    db = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  const anOrder = (quantity = 1, price = 1500) => aPlacedOrder(t, quantity, price);

  const orderOf = async (id: string) =>
    (
      (await db.query(
        `SELECT status, amount_paid::int AS "amountPaid", amount_refunded::int AS "amountRefunded",
                review_reason AS "reviewReason",
                (SELECT count(*)::int FROM order_status_history h WHERE h.order_id = o.id) AS "historyRows"
           FROM orders o WHERE id = $1`,
        [id],
      )) as {
        status: string;
        amountPaid: number;
        amountRefunded: number;
        reviewReason: string | null;
        historyRows: number;
      }[]
    )[0]!;

  const eventRow = async (id: string) =>
    (
      (await db.query('SELECT status, last_error FROM payment_events WHERE id = $1', [id])) as {
        status: string;
        last_error: string | null;
      }[]
    )[0];

  const send = async (event: object) => {
    const res = await deliver(t, event, SECRET);
    expect(res.status).toBe(200);
    return res.body as { status: string };
  };

  test('payment_intent.succeeded → paid, the reservation becomes a sale', async () => {
    const o = await anOrder(3);
    const ack = await send(
      aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total)),
    );
    expect(ack.status).toBe('processed');
    expect(await orderOf(o.orderId)).toMatchObject({ status: 'paid', amountPaid: o.total });
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 7, reserved: 0 });
  });

  test.each([
    ['amount', (id: string, total: number) => intentObject(id, total - 1)],
    ['currency', (id: string, total: number) => intentObject(id, total, { currency: 'usd' })],
  ])('a mismatched %s → not paid, flagged for review, stock still reserved', async (_, object) => {
    const o = await anOrder(2);
    await send(aStripeEvent('payment_intent.succeeded', object(o.intentId, o.total)));
    const order = await orderOf(o.orderId);
    expect(order).toMatchObject({ status: 'pending_payment', amountPaid: 0 });
    expect(order.reviewReason).toMatch(/^payment_mismatch/);
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 2 });
  });

  test('POST /orders/:id/cancel on an order held for review → 409 ORDER.UNDER_REVIEW, stock kept; admin routes refuse too', async () => {
    const o = await anOrder(2);
    await send(aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total - 1)));

    const cancel = await t.http.post(`/api/v1/orders/${o.orderId}/cancel`).set(o.user.auth);
    expect(cancel.status).toBe(409);
    expect(cancel.headers['content-type']).toContain('application/problem+json');
    expect(cancel.body.status).toBe(409);
    expect(cancel.body.type).toMatch(/order-under-review$/);
    const order = await orderOf(o.orderId);
    expect(order).toMatchObject({ status: 'pending_payment', historyRows: 1 });
    expect(order.reviewReason).toMatch(/^payment_mismatch/);
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 2 });

    // Nothing was paid in the order's terms, so an admin can neither ship nor
    // refund it through the order routes; the decision stays a person's.
    const admin = await anAdmin(t);
    const fulfil = await t.http.post(`/api/v1/admin/orders/${o.orderId}/fulfil`).set(admin.auth);
    expect(fulfil.status).toBe(409);
    const refund = await t.http
      .post(`/api/v1/admin/orders/${o.orderId}/refund`)
      .set(admin.auth)
      .send({});
    expect(refund.status).toBe(409);
    expect(await orderOf(o.orderId)).toMatchObject({
      status: 'pending_payment',
      amountRefunded: 0,
    });
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 2 });
  });

  test('payment_intent.payment_failed → recorded, the order stays pending_payment', async () => {
    const o = await anOrder();
    await send(
      aStripeEvent(
        'payment_intent.payment_failed',
        intentObject(o.intentId, o.total, {
          status: 'requires_payment_method',
          amount_received: 0,
          last_payment_error: { code: 'card_declined' },
        }),
      ),
    );
    const res = await t.http.get(`/api/v1/orders/${o.orderId}`).set(o.user.auth);
    expect(res.body.status).toBe('pending_payment');
    expect(res.body.history.at(-1)).toMatchObject({
      from: 'pending_payment',
      to: 'pending_payment',
      cause: 'payment_intent.payment_failed: card_declined',
    });
  });

  test('payment_intent.canceled → cancelled, stock released', async () => {
    const o = await anOrder(4);
    await send(
      aStripeEvent(
        'payment_intent.canceled',
        intentObject(o.intentId, o.total, { status: 'canceled' }),
      ),
    );
    expect((await orderOf(o.orderId)).status).toBe('cancelled');
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
  });

  test('payment_intent.canceled for an order past its reservation → cancelled as expired, stock released; the sweep then finds nothing', async () => {
    const o = await anOrder(4);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [o.orderId],
    );
    // The sweep cancels the intent before the order; this is that cancel's
    // webhook arriving first.
    const ack = await send(
      aStripeEvent(
        'payment_intent.canceled',
        intentObject(o.intentId, o.total, { status: 'canceled' }),
      ),
    );
    expect(ack.status).toBe('processed');
    const causes = async () =>
      (
        (await db.query('SELECT cause FROM order_status_history WHERE order_id = $1 ORDER BY id', [
          o.orderId,
        ])) as { cause: string }[]
      ).map((h) => h.cause);
    expect(await orderOf(o.orderId)).toMatchObject({ status: 'cancelled', historyRows: 2 });
    expect((await causes()).at(-1)).toBe('reservation_expired');
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });

    await t.get(OrderExpiryService).expireDue(new Date());
    expect(await orderOf(o.orderId)).toMatchObject({ status: 'cancelled', historyRows: 2 });
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 0 });
  });

  test('an event for an unknown payment intent → acknowledged and ignored', async () => {
    const ack = await send(
      aStripeEvent('payment_intent.succeeded', intentObject('pi_nobody', 100)),
    );
    expect(ack.status).toBe('ignored');
    const refund = await send(aStripeEvent('charge.refunded', chargeObject('pi_nobody', 100, 100)));
    expect(refund.status).toBe('ignored');
  });

  // Signed, so only a holder of the webhook secret can send these; Stripe's
  // never are. Read unchecked, a late payment in a currency of "e" failed as
  // a 400, retried for days, and a refund in a currency naming none was
  // counted in the order's.
  const defects: [string, string, (o: PlacedOrder) => Record<string, unknown>, string][] = [
    [
      'payment_intent.succeeded',
      'a currency that names none',
      (o) => intentObject(o.intentId, o.total, { currency: 'e' }),
      'payment_intent.currency must be a known ISO 4217 currency code, not "e"',
    ],
    [
      'payment_intent.succeeded',
      'a fractional amount received',
      (o) => intentObject(o.intentId, o.total, { amount_received: 1499.5 }),
      'payment_intent.amount_received must be a whole non-negative number of minor units, not 1499.5',
    ],
    [
      'payment_intent.canceled',
      'no currency',
      (o) => {
        const { currency: _currency, ...rest } = intentObject(o.intentId, o.total, {
          status: 'canceled',
        });
        return rest;
      },
      'payment_intent.currency must be a known ISO 4217 currency code, not absent',
    ],
    [
      'payment_intent.payment_failed',
      'an id that is not text',
      (o) => ({ ...intentObject(o.intentId, o.total), id: 7 }),
      'payment_intent.id must be an id, not 7',
    ],
  ];
  test.each(defects)(
    'a signed %s with %s → 200, recorded as ignored with why, the order unchanged',
    async (type, _name, object, reason) => {
      const o = await anOrder(1, 1500);
      const event = aStripeEvent(type, object(o));
      expect(await send(event)).toMatchObject({ status: 'ignored' });
      expect(await eventRow(event.id)).toEqual({ status: 'ignored', last_error: reason });
      expect(await orderOf(o.orderId)).toMatchObject({
        status: 'pending_payment',
        amountPaid: 0,
        reviewReason: null,
        historyRows: 1,
      });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 10, reserved: 1 });
    },
  );

  test('a late payment in a currency that names none → 200, recorded as ignored, nothing refunded or booked', async () => {
    const o = await anOrder(1, 1500);
    await cancelLeavingIntentPayable(t, o);
    const event = aStripeEvent(
      'payment_intent.succeeded',
      intentObject(o.intentId, o.total, { currency: 'e' }),
    );
    expect(await send(event)).toMatchObject({ status: 'ignored' });
    expect(await eventRow(event.id)).toEqual({
      status: 'ignored',
      last_error: 'payment_intent.currency must be a known ISO 4217 currency code, not "e"',
    });
    expect(await orderOf(o.orderId)).toMatchObject({
      status: 'cancelled',
      amountPaid: 0,
      amountRefunded: 0,
      reviewReason: null,
    });
  });

  test.each([
    [
      'a currency that names none',
      { currency: 'xyz' },
      'charge.currency must be a known ISO 4217 currency code, not "xyz"',
    ],
    [
      'a negative refunded figure',
      { amount_refunded: -1 },
      'charge.amount_refunded must be a whole non-negative number of minor units, not -1',
    ],
    [
      'a payment intent that is not an id',
      { payment_intent: 12 },
      'charge.payment_intent must be an id, the object or null, not 12',
    ],
  ])(
    'a signed charge.refunded with %s → 200, recorded as ignored with why, nothing counted',
    async (_name, change, reason) => {
      const o = await anOrder(1, 4000);
      await send(aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total)));
      const event = aStripeEvent('charge.refunded', {
        ...chargeObject(o.intentId, o.total, 1500),
        ...change,
      });
      expect(await send(event)).toMatchObject({ status: 'ignored' });
      expect(await eventRow(event.id)).toEqual({ status: 'ignored', last_error: reason });
      expect(await orderOf(o.orderId)).toMatchObject({ status: 'paid', amountRefunded: 0 });
    },
  );

  test('a succeeded event that beats the intent id to the order still finds it by metadata', async () => {
    const o = await anOrder();
    await db.query('UPDATE orders SET payment_intent_id = NULL WHERE id = $1', [o.orderId]);
    await send(
      aStripeEvent(
        'payment_intent.succeeded',
        intentObject(o.intentId, o.total, { metadata: { orderId: o.orderId } }),
      ),
    );
    const [row] = await db.query('SELECT status, payment_intent_id FROM orders WHERE id = $1', [
      o.orderId,
    ]);
    expect(row).toEqual({ status: 'paid', payment_intent_id: o.intentId });
  });

  test('the same event delivered 50× concurrently is applied once', async () => {
    const o = await anOrder(2);
    const event = aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total));
    const replies = await Promise.all(Array.from({ length: 50 }, () => deliver(t, event, SECRET)));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(await orderOf(o.orderId)).toMatchObject({ status: 'paid', historyRows: 2 });
    expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 8, reserved: 0 });
    // The confirmation mail is enqueued in the same transaction: once, too.
    const mails = await db.query(
      `SELECT data->>'subject' AS subject FROM pgboss.job
        WHERE name = 'mail.send' AND data->>'to' = $1 AND data->>'subject' LIKE '%confirmed'`,
      [o.user.email],
    );
    expect(mails).toHaveLength(1);
  });

  const kinds = ['succeeded', 'failed', 'refunded'] as const;
  test.each(permutations([...kinds]).map((p) => [p.join(' → '), p]))(
    'any arrival order gives the right final state: %s',
    async (_, order) => {
      const o = await anOrder(1, 4000);
      const events = {
        succeeded: aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total)),
        failed: aStripeEvent(
          'payment_intent.payment_failed',
          intentObject(o.intentId, o.total, {
            status: 'requires_payment_method',
            amount_received: 0,
          }),
        ),
        refunded: aStripeEvent('charge.refunded', chargeObject(o.intentId, o.total, 1500)),
      };
      for (const kind of order as (typeof kinds)[number][]) await send(events[kind]);
      await reappliedAfter(t, events.succeeded.id);

      expect(await orderOf(o.orderId)).toMatchObject({
        status: 'partially_refunded',
        amountPaid: 4000,
        amountRefunded: 1500,
      });
      expect(await stockOf(t, o.variant.id)).toEqual({ onHand: 9, reserved: 0 });
    },
  );

  test('charge.refunded sets the refunded total: late, older or repeated events never add up', async () => {
    const o = await anOrder(1, 5000);
    await send(aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total)));
    const full = aStripeEvent('charge.refunded', chargeObject(o.intentId, o.total, 5000));
    const older = aStripeEvent('charge.refunded', chargeObject(o.intentId, o.total, 2000));
    await send(full);
    await send(older);
    await send(full);
    expect(await orderOf(o.orderId)).toMatchObject({ status: 'refunded', amountRefunded: 5000 });
  });

  describe('a refund deferred until its payment', () => {
    const aDeferredRefund = async () => {
      const o = await anOrder(1, 5000);
      const refunded = aStripeEvent('charge.refunded', chargeObject(o.intentId, o.total, 5000));
      expect((await send(refunded)).status).toBe('deferred');
      const succeeded = aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total));
      return { o, refunded, succeeded };
    };
    const refundedOnce = async (orderId: string) => {
      expect(await orderOf(orderId)).toMatchObject({
        status: 'refunded',
        amountPaid: 5000,
        amountRefunded: 5000,
        // placed, paid, refunded
        historyRows: 3,
      });
    };

    test('the payment is answered without waiting for the refund: a job committed with it applies the refund, once', async () => {
      const { o, refunded, succeeded } = await aDeferredRefund();
      // Another transaction holds the deferred event's row, as a slow
      // database would: re-applying it waits for as long as that one lasts.
      const holder = db.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        await holder.query('SELECT 1 FROM payment_events WHERE id = $1 FOR UPDATE', [refunded.id]);
        const reply = await deliver(t, succeeded, SECRET).timeout({ response: 5_000 });
        expect(reply.status).toBe(200);
        expect(reply.body.status).toBe('processed');
        expect(await orderOf(o.orderId)).toMatchObject({ status: 'paid', amountRefunded: 0 });
        expect(await eventRow(refunded.id)).toMatchObject({ status: 'deferred' });
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }

      await reappliedAfter(t, succeeded.id);
      expect(await eventRow(refunded.id)).toMatchObject({ status: 'processed' });
      await refundedOnce(o.orderId);
      // Neither a redelivery of the payment nor the scheduled job applies it again.
      expect((await send(succeeded)).status).toBe('duplicate');
      await t.get(DeferredEventRetry).run();
      await refundedOnce(o.orderId);
    });

    test("a process that dies right after the payment's commit, before Stripe had its 200, leaves the refund to the job committed with the payment", async () => {
      const { o, refunded, succeeded } = await aDeferredRefund();
      // The intake's two steps, store and apply, and nothing more.
      await t.get(PaymentEventRepository).recordIfNew(succeeded as PaymentEvent, 'webhook');
      expect(await t.get(PaymentEventProcessor).apply(succeeded.id, ['pending', 'failed'])).toBe(
        'processed',
      );

      await waitFor(
        async () => ((await eventRow(refunded.id))?.status === 'processed' ? true : undefined),
        'the deferred refund applied',
        10_000,
      );
      await refundedOnce(o.orderId);
      // Stripe's redelivery of the unanswered payment changes nothing more.
      expect((await send(succeeded)).status).toBe('duplicate');
      await refundedOnce(o.orderId);
    });
  });

  describe('a refund left deferred after its payment was booked (its re-application failed, or the payment was booked before it was made a job)', () => {
    /** A paid order whose refund event is stored deferred, as such a failure leaves it. */
    const aRefundLeftDeferred = async () => {
      const o = await anOrder(1, 5000);
      const succeeded = aStripeEvent('payment_intent.succeeded', intentObject(o.intentId, o.total));
      expect((await send(succeeded)).status).toBe('processed');
      const refunded = aStripeEvent('charge.refunded', chargeObject(o.intentId, o.total, 5000));
      const events = t.get(PaymentEventRepository);
      await events.recordIfNew(refunded as PaymentEvent, 'webhook');
      const claim = await events.claim(refunded.id, ['pending'], 60_000);
      if (claim.kind !== 'claimed') throw new Error('not claimed');
      await t
        .get(TransactionRunner)
        .run((m) => events.markHandled(refunded.id, 'deferred', claim.token, m));
      expect(await orderOf(o.orderId)).toMatchObject({ status: 'paid', amountRefunded: 0 });
      return { o, refunded, succeeded };
    };

    test('the scheduled job re-applies it; a refund whose order still awaits its payment stays deferred, untouched', async () => {
      const { o, refunded } = await aRefundLeftDeferred();
      const unpaid = await anOrder(1, 5000);
      const early = aStripeEvent(
        'charge.refunded',
        chargeObject(unpaid.intentId, unpaid.total, 5000),
      );
      expect((await send(early)).status).toBe('deferred');
      const [before] = await db.query('SELECT attempts FROM payment_events WHERE id = $1', [
        early.id,
      ]);

      const summary = await t.get(DeferredEventRetry).run();

      expect(summary.processed).toBeGreaterThanOrEqual(1);
      expect(await eventRow(refunded.id)).toMatchObject({ status: 'processed' });
      expect(await orderOf(o.orderId)).toMatchObject({ status: 'refunded', amountRefunded: 5000 });
      // Not even tried: its order is still pending, so the run leaves it be.
      expect(
        await db.query('SELECT status, attempts FROM payment_events WHERE id = $1', [early.id]),
      ).toEqual([{ status: 'deferred', attempts: before.attempts }]);
      expect(await orderOf(unpaid.orderId)).toMatchObject({
        status: 'pending_payment',
        amountRefunded: 0,
      });
      // A second run finds nothing more to apply.
      expect(await t.get(DeferredEventRetry).run()).toMatchObject({ processed: 0 });
    });

    test('a deferred event tried MAX_REAPPLY_ATTEMPTS times is left for a person, and the job reaches the events behind it', async () => {
      const stuck = await aRefundLeftDeferred();
      const behind = await aRefundLeftDeferred();
      // As if every try of the first had failed, for good.
      await db.query('UPDATE payment_events SET attempts = $2 WHERE id = $1', [
        stuck.refunded.id,
        MAX_REAPPLY_ATTEMPTS,
      ]);

      await t.get(DeferredEventRetry).run();

      expect(await eventRow(stuck.refunded.id)).toMatchObject({ status: 'deferred' });
      expect(await orderOf(stuck.o.orderId)).toMatchObject({ amountRefunded: 0 });
      expect(await eventRow(behind.refunded.id)).toMatchObject({ status: 'processed' });
      expect(await orderOf(behind.o.orderId)).toMatchObject({ amountRefunded: 5000 });
      // Its count of tries let down again, the next run applies it.
      await db.query('UPDATE payment_events SET attempts = 0 WHERE id = $1', [stuck.refunded.id]);
      await t.get(DeferredEventRetry).run();
      expect(await eventRow(stuck.refunded.id)).toMatchObject({ status: 'processed' });
    });
  });

  test('an intent in the shape of API versions before 2022-11-15 (charges, no latest_charge) still has its deferred refund re-applied once paid', async () => {
    const o = await anOrder(1, 5000);
    const refunded = aStripeEvent('charge.refunded', chargeObject(o.intentId, o.total, 2000));
    expect((await send(refunded)).status).toBe('deferred');
    const { latest_charge: _latest, ...intent } = intentObject(o.intentId, o.total);
    const succeeded = aStripeEvent('payment_intent.succeeded', {
      ...intent,
      charges: {
        object: 'list',
        data: [chargeObject(o.intentId, o.total, 0)],
        has_more: false,
        total_count: 1,
        url: `/v1/charges?payment_intent=${o.intentId}`,
      },
    });

    expect((await send(succeeded)).status).toBe('processed');
    await reappliedAfter(t, succeeded.id);

    expect(await eventRow(refunded.id)).toMatchObject({ status: 'processed' });
    expect(await orderOf(o.orderId)).toMatchObject({
      status: 'partially_refunded',
      amountRefunded: 2000,
    });
  });
});
