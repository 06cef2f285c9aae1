import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PaymentProviderError, PaymentStateConflictError } from '@minishop/domain';
import { DataSource } from 'typeorm';

import { IntentCancellation, keyOf } from '../src/orders/intent-cancellation.js';
import { type DueOrder, OrderRepository } from '../src/orders/order.repository.js';
import { OrderExpiryService } from '../src/orders/order-expiry.service.js';
import type { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import {
  PaymentGateway,
  type PaymentIntentDetails,
  type PaymentIntentRef,
  type RefundInput,
  type RefundRef,
} from '../src/payments/payment-gateway.js';
import { PaymentSimulationService } from '../src/payments/payment-simulation.service.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { StripePaymentGateway } from '../src/payments/stripe/stripe-payment-gateway.js';
import { DelegatingGateway } from './support/delegating-gateway.js';
import { webhooksToThisApp } from './support/emulator.js';
import { waitFor } from './support/jobs-probe.js';
import {
  aCart,
  aStripeEvent,
  aVariant,
  cancelLeavingIntentPayable,
  checkout,
  deliver,
  intentObject,
  stockOf,
  type TestVariant,
} from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

/** The real gateway, except that refunds fail as if Stripe were unreachable while `refundsDown`. */
class GatewayWithRefundOutage extends DelegatingGateway {
  refundsDown = false;
  /** How many of the next intent cancellations fail as if Stripe were unreachable. */
  cancelFailures = 0;

  /** Run once, just before the next intent cancellation reaches the provider. */
  beforeNextCancel: (() => Promise<unknown>) | undefined;
  /** What the next intent cancellation fails with, instead of reaching the provider. */
  nextCancelError: Error | undefined;
  /**
   * Keys under which the provider replays a refusal: as Stripe replays, for
   * 24 hours, its reply to a cancel made while a payment was being decided.
   */
  readonly refusedCancelKeys = new Set<string>();
  /** Keys under which the provider replays a 500, as Stripe replays any first reply to a key. */
  readonly failedCancelKeys = new Set<string>();

  /**
   * Intents a bank is deciding on (a debit in `processing`): shown so, and
   * Stripe refuses to cancel them, whatever the key.
   */
  readonly processing = new Set<string>();

  override async retrieveIntent(id: string): Promise<PaymentIntentDetails> {
    const intent = await this.real.retrieveIntent(id);
    return this.processing.has(id) ? { ...intent, status: 'processing' } : intent;
  }

  override async cancelIntent(id: string, idempotencyKey?: string): Promise<PaymentIntentRef> {
    if (this.processing.has(id)) {
      throw new PaymentStateConflictError(
        'This PaymentIntent could not be canceled because it has a status of processing.',
        'payment_intent_unexpected_state',
      );
    }
    const before = this.beforeNextCancel;
    this.beforeNextCancel = undefined;
    await before?.();
    const error = this.nextCancelError;
    this.nextCancelError = undefined;
    if (error) throw error;
    if (idempotencyKey && this.refusedCancelKeys.has(idempotencyKey)) {
      throw new PaymentStateConflictError(
        'This PaymentIntent could not be canceled because it has a status of processing.',
        'payment_intent_unexpected_state',
      );
    }
    if (idempotencyKey && this.failedCancelKeys.has(idempotencyKey)) {
      throw new PaymentProviderError(
        'An error occurred with our connection to Stripe.',
        'provider_error',
      );
    }
    if (this.cancelFailures > 0) {
      this.cancelFailures -= 1;
      return Promise.reject(new PaymentProviderError('Stripe is unreachable', 'unreachable'));
    }
    return this.real.cancelIntent(id, idempotencyKey);
  }

  override refund(input: RefundInput): Promise<RefundRef> {
    if (this.refundsDown) {
      return Promise.reject(new PaymentProviderError('Stripe is unreachable', 'unreachable'));
    }
    return this.real.refund(input);
  }
}

describe('orders', () => {
  let t: TestApp;
  let db: DataSource;
  let emulator: StripeEmulator;
  let webhookUrl: string;
  let gateway: GatewayWithRefundOutage;

  beforeAll(async () => {
    t = await startTestApp({
      override: (b) =>
        b.overrideProvider(PaymentGateway).useFactory({
          factory: (stripe: StripeClient) =>
            new GatewayWithRefundOutage(new StripePaymentGateway(stripe)),
          inject: [StripeClient],
        }),
    });
    gateway = t.get(PaymentGateway) as GatewayWithRefundOutage;
    db = t.get(DataSource);
    ({ emulator, webhookUrl } = await webhooksToThisApp(t));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function anOrder(user: TestUser, variant?: TestVariant, quantity = 1) {
    const v = variant ?? (await aVariant(t, { stock: 10, price: 2000 }));
    await aCart(t, user, [{ variant: v, quantity }]);
    const res = await checkout(t, user, randomUUID());
    expect(res.status).toBe(201);
    return { order: res.body.order, payment: res.body.payment, variant: v };
  }

  /** Two orders of one unit of `variant` each, their reservations run out a minute ago. */
  async function twoDueOrders(user: TestUser, variant: TestVariant) {
    const first = await anOrder(user, variant, 1);
    const second = await anOrder(user, variant, 1);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = ANY($1)`,
      [[first.order.id, second.order.id]],
    );
    return [first, second] as const;
  }

  /** Runs `during` while another transaction holds the order's row, until it calls `release`. */
  async function whileHeld(
    orderId: string,
    during: (release: () => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const holder = db.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
      await during(() => holder.commitTransaction());
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  }

  const getOrder = (user: TestUser, id: string) =>
    t.http.get(`/api/v1/orders/${id}`).set(user.auth);

  async function paid(user: TestUser, orderId: string) {
    await t.get(PaymentSimulationService).simulate({ orderId }, 'succeeded');
    await emulator.idle();
    return (await getOrder(user, orderId)).body;
  }

  test('a full offline purchase: cart → checkout → emulator pays → webhook → order paid, stock sold', async () => {
    const user = await aCustomer(t);
    const { order, variant } = await anOrder(user, await aVariant(t, { stock: 3 }), 2);
    expect(await stockOf(t, variant.id)).toEqual({ onHand: 3, reserved: 2 });

    const after = await paid(user, order.id);

    expect(after.status).toBe('paid');
    expect(after.amountPaid).toEqual(order.total);
    expect(after.history.map((h: { to: string }) => h.to)).toEqual(['pending_payment', 'paid']);
    expect(after.history[1].cause).toBe('payment_intent.succeeded');
    expect(await stockOf(t, variant.id)).toEqual({ onHand: 1, reserved: 0 });
  });

  test('GET /orders → the caller’s orders only, newest first, cursor paginated', async () => {
    const user = await aCustomer(t);
    const other = await aCustomer(t);
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await anOrder(user)).order.id);
    await anOrder(other);

    const page1 = await t.http.get('/api/v1/orders?limit=2').set(user.auth);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((o: { id: string }) => o.id)).toEqual([made[2], made[1]]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await t.http
      .get(`/api/v1/orders?limit=2&cursor=${page1.body.nextCursor}`)
      .set(user.auth);
    expect(page2.body).toEqual({
      items: [expect.objectContaining({ id: made[0] })],
      nextCursor: null,
    });

    expect((await t.http.get('/api/v1/orders?cursor=garbage').set(user.auth)).status).toBe(400);
    expect((await t.http.get('/api/v1/orders?limit=0').set(user.auth)).status).toBe(400);
  });

  test('GET /orders and GET /admin/orders with a cursor not made by the API → 400 pagination-invalid-cursor naming cursor', async () => {
    const user = await aCustomer(t);
    const admin = await anAdmin(t);
    const forged = Buffer.from(JSON.stringify(['yesterday', 'order-1'])).toString('base64url');
    for (const [path, caller] of [
      ['/api/v1/orders', user],
      ['/api/v1/admin/orders', admin],
    ] as const) {
      for (const cursor of ['garbage', forged]) {
        const res = await t.http.get(`${path}?cursor=${cursor}`).set(caller.auth);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        // One type for every cursor-paginated list: nothing here is the catalog's.
        expect(res.body).toMatchObject({
          type: 'https://minishop.dev/problems/pagination-invalid-cursor',
          status: 400,
          errors: [{ field: 'cursor', message: expect.any(String) }],
        });
      }
    }
  });

  test('GET /orders with a cursor shaped like ours but naming no instant or no id → 400, not 500', async () => {
    const user = await aCustomer(t);
    const cursor = (at: string, id: string) =>
      Buffer.from(JSON.stringify([at, id])).toString('base64url');
    for (const bad of [
      cursor('2025-13-45T25:61:61.000000', randomUUID()),
      cursor('2025-02-30T10:00:00.000000', randomUUID()),
      cursor('2025-01-01T10:00:00.000000', '-'.repeat(36)),
    ]) {
      const res = await t.http.get(`/api/v1/orders?cursor=${bad}`).set(user.auth);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  test('GET /orders/:id → lines, totals, history; another user’s or an unknown order → 404', async () => {
    const owner = await aCustomer(t);
    const stranger = await aCustomer(t);
    const { order } = await anOrder(owner);

    const mine = await getOrder(owner, order.id);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(order);

    for (const id of [order.id, randomUUID(), 'not-a-uuid']) {
      const res = await getOrder(stranger, id);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const cancel = await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(stranger.auth);
    expect(cancel.status).toBe(404);
    expect((await getOrder(owner, order.id)).body.status).toBe('pending_payment');
  });

  test('GET /orders/:id with what cannot be an id → 404 whose detail does not repeat it', async () => {
    const user = await aCustomer(t);
    const unknown = randomUUID();
    expect((await getOrder(user, unknown)).body.detail).toContain(unknown);
    for (const raw of ['%00', 'a%00b%1B%5B31m', 'x%0D%0AInjected%3A%20yes', 'not-a-uuid']) {
      const res = await getOrder(user, raw);
      expect(res.status).toBe(404);
      expect(res.body.detail).not.toContain(decodeURIComponent(raw));
      expect(res.body.detail).not.toMatch(/\p{Cc}/u);
      expect(res.body.detail).toMatch(/a UUID/);
    }
  });

  test('POST /orders/:id/cancel → stock released, intent cancelled; twice → 409, not a double release', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const { order, payment } = await anOrder(user, v, 2);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 2 });

    const first = await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('cancelled');
    expect(first.body.history.at(-1)).toMatchObject({
      from: 'pending_payment',
      to: 'cancelled',
      cause: 'cancelled_by_customer',
    });
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
    expect((await t.get(PaymentGateway).retrieveIntent(payment.paymentIntentId)).status).toBe(
      'canceled',
    );

    const second = await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth);
    expect(second.status).toBe(409);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });

    // The provider's own payment_intent.canceled then changes nothing.
    await emulator.idle();
    const after = (await getOrder(user, order.id)).body;
    expect(after.history.filter((h: { to: string }) => h.to === 'cancelled')).toHaveLength(1);
  });

  test('concurrent cancels of one order release its stock once', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const { order } = await anOrder(user, v, 3);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth),
      ),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 409)).toHaveLength(9);
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('an intent the provider could not cancel with its order is cancelled by a retry job', async () => {
    const user = await aCustomer(t);
    const { order, payment } = await anOrder(user);
    gateway.cancelFailures = 1;

    const res = await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth);

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(gateway.cancelFailures).toBe(0);
    const [job] = (await db.query(
      `SELECT count(*)::int AS n FROM pgboss.job
        WHERE name = 'orders.cancel-intent' AND data->>'paymentIntentId' = $1`,
      [payment.paymentIntentId],
    )) as { n: number }[];
    expect(job!.n).toBe(1);
    // The job waits OWED_CHECK_AFTER_SECONDS (15 s) before it first checks.
    await waitFor(
      async () =>
        (await gateway.retrieveIntent(payment.paymentIntentId)).status === 'canceled'
          ? true
          : undefined,
      'the retry job to cancel the intent',
      60_000,
    );
  });

  test("an intent's cancellation is never lost to a process dying between the order's cancel and the provider's", async () => {
    const owedJobs = (intentId: string) =>
      db.query(
        `SELECT count(*)::int AS n FROM pgboss.job
          WHERE name = 'orders.cancel-intent' AND data->>'paymentIntentId' = $1`,
        [intentId],
      ) as Promise<{ n: number }[]>;
    const user = await aCustomer(t);

    // Cancelled by its customer.
    const byCustomer = await anOrder(user);
    let seen: { n: number }[] | undefined;
    gateway.beforeNextCancel = async () => {
      seen = await owedJobs(byCustomer.payment.paymentIntentId);
    };
    await t.http.post(`/api/v1/orders/${byCustomer.order.id}/cancel`).set(user.auth).expect(200);
    expect(seen).toEqual([{ n: 1 }]);

    // Expired: the provider is asked first, the order still pending (a
    // process dying then leaves it due, for the next run to ask again).
    const expired = await anOrder(user);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [expired.order.id],
    );
    let status: string | undefined;
    gateway.beforeNextCancel = async () => {
      status = (await getOrder(user, expired.order.id)).body.status;
    };
    await t.get(OrderExpiryService).expireDue(new Date());
    expect(status).toBe('pending_payment');
    expect((await getOrder(user, expired.order.id)).body.status).toBe('cancelled');
  });

  test('a refusal the provider replays under the fixed cancel key does not keep a cancellable intent open', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    // Expiry: the order's reservation ran out.
    const due = await anOrder(user, v, 1);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [due.order.id],
    );
    // The retry job: an order cancelled here, its intent left payable.
    const cancelled = await anOrder(user, v, 1);
    await cancelLeavingIntentPayable(t, {
      orderId: cancelled.order.id,
      intentId: cancelled.payment.paymentIntentId,
      user,
    });
    for (const { payment } of [due, cancelled]) {
      gateway.refusedCancelKeys.add(keyOf(payment.paymentIntentId));
    }
    try {
      await t.get(OrderExpiryService).expireDue(new Date());
      await t.get(IntentCancellation).retry({ paymentIntentId: cancelled.payment.paymentIntentId });
    } finally {
      gateway.refusedCancelKeys.clear();
    }
    expect((await getOrder(user, due.order.id)).body.status).toBe('cancelled');
    for (const { payment } of [due, cancelled]) {
      expect((await gateway.retrieveIntent(payment.paymentIntentId)).status).toBe('canceled');
    }
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('a 500 the provider replays under the fixed cancel key does not pause expiry', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const [due, next] = await twoDueOrders(user, v);
    gateway.failedCancelKeys.add(keyOf(due.payment.paymentIntentId));
    try {
      await t.get(OrderExpiryService).expireDue(new Date());
    } finally {
      gateway.failedCancelKeys.clear();
    }
    for (const { order, payment } of [due, next]) {
      expect((await getOrder(user, order.id)).body.status).toBe('cancelled');
      expect((await gateway.retrieveIntent(payment.paymentIntentId)).status).toBe('canceled');
    }
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('the retry leaves an intent paid meanwhile to the late-payment refund', async () => {
    const user = await aCustomer(t);
    const { order, payment } = await anOrder(user);
    await paid(user, order.id);
    // Cancelling a succeeded intent is an error at the provider: the retry must not ask.
    await expect(
      t.get(IntentCancellation).retry({ paymentIntentId: payment.paymentIntentId }),
    ).resolves.toBeUndefined();
    expect((await gateway.retrieveIntent(payment.paymentIntentId)).status).toBe('succeeded');
  });

  test('the retry ends, rather than failing for hours, for an intent the provider does not know', async () => {
    // As after a restart of the local emulator, which keeps intents in memory.
    await expect(
      t.get(IntentCancellation).retry({ paymentIntentId: `pi_${randomUUID().replace(/-/g, '')}` }),
    ).resolves.toBeUndefined();
  });

  test('the retry ends when the provider refuses to cancel the intent in its state', async () => {
    const user = await aCustomer(t);
    const { order, payment } = await anOrder(user);
    // Paid between the retry's look at the intent and its cancellation: the
    // provider refuses (as it refuses an intent still processing), and no
    // retry would change that; the payment is the webhook's to handle.
    gateway.beforeNextCancel = () => paid(user, order.id);
    await expect(
      t.get(IntentCancellation).retry({ paymentIntentId: payment.paymentIntentId }),
    ).resolves.toBeUndefined();
    expect((await gateway.retrieveIntent(payment.paymentIntentId)).status).toBe('succeeded');
  });

  test('an intent a bank was deciding on when its order was cancelled is cancelled once the bank fails the payment (payment_intent.payment_failed)', async () => {
    const user = await aCustomer(t);
    const { order, payment } = await anOrder(user);
    const intentId = payment.paymentIntentId as string;
    // A bank debit under way: Stripe will not cancel the intent.
    gateway.processing.add(intentId);
    await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth).expect(200);
    // The owed job's run meets the refusal and ends: no retry would change it.
    await expect(
      t.get(IntentCancellation).retry({ paymentIntentId: intentId }),
    ).resolves.toBeUndefined();
    await db.query(
      `UPDATE pgboss.job SET state = 'completed', completed_on = now()
        WHERE name = 'orders.cancel-intent' AND data->>'paymentIntentId' = $1`,
      [intentId],
    );

    // The bank fails the payment: the intent is payable again.
    gateway.processing.delete(intentId);
    expect((await gateway.retrieveIntent(intentId)).status).toBe('requires_payment_method');
    const failed = aStripeEvent(
      'payment_intent.payment_failed',
      intentObject(intentId, order.total.amount as number, {
        status: 'requires_payment_method',
        amount_received: 0,
        latest_charge: null,
        last_payment_error: { code: 'insufficient_funds' },
      }),
    );
    expect((await deliver(t, failed, t.config.stripeWebhookSecret)).status).toBe(200);

    await waitFor(
      async () =>
        (await gateway.retrieveIntent(intentId)).status === 'canceled' ? true : undefined,
      'the cancellation owed again to cancel the intent',
      30_000,
    );
    expect((await getOrder(user, order.id)).body.status).toBe('cancelled');
    // A redelivery of the failure owes nothing more.
    expect((await deliver(t, failed, t.config.stripeWebhookSecret)).status).toBe(200);
    const [jobs] = (await db.query(
      `SELECT count(*)::int AS n FROM pgboss.job
        WHERE name = 'orders.cancel-intent' AND data->>'paymentIntentId' = $1`,
      [intentId],
    )) as { n: number }[];
    expect(jobs!.n).toBe(2);
  });

  test('the retry fails, for another attempt, while the provider still runs an earlier request', async () => {
    const user = await aCustomer(t);
    const { payment } = await anOrder(user);
    gateway.nextCancelError = new PaymentStateConflictError(
      'A request with this idempotency key is still in flight',
      'idempotency_key_in_use',
    );
    await expect(
      t.get(IntentCancellation).retry({ paymentIntentId: payment.paymentIntentId }),
    ).rejects.toBeInstanceOf(PaymentStateConflictError);
  });

  test('cancelling a cancelled order that kept a late payment as a record → 409 as for any cancelled order, not "under review"', async () => {
    const user = await aCustomer(t);
    const { order } = await anOrder(user);
    expect((await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth)).status).toBe(
      200,
    );
    // As a payment arriving after the cancellation (refunded at once) leaves it.
    await t
      .get(DataSource)
      .query(`UPDATE orders SET review_reason = 'paid_after_cancellation' WHERE id = $1`, [
        order.id,
      ]);
    const res = await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth);
    expect(res.status).toBe(409);
    expect(res.body.type).toMatch(/order-illegal-transition$/);
    expect(res.body.detail).not.toMatch(/review/);
  });

  test('cancelling a paid order → 409', async () => {
    const user = await aCustomer(t);
    const { order } = await anOrder(user);
    await paid(user, order.id);
    const res = await t.http.post(`/api/v1/orders/${order.id}/cancel`).set(user.auth);
    expect(res.status).toBe(409);
  });

  test('reservation expiry cancels only due unpaid orders and releases their stock', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 10 });
    const due = await anOrder(user, v, 2);
    const notDue = await anOrder(user, v, 1);
    const paidOrder = await anOrder(user, v, 3);
    await paid(user, paidOrder.order.id);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = ANY($1)`,
      [[due.order.id, paidOrder.order.id]],
    );
    expect(await stockOf(t, v.id)).toEqual({ onHand: 7, reserved: 3 });

    const expiry = t.get(OrderExpiryService);
    expect(await expiry.expireDue(new Date())).toBeGreaterThanOrEqual(1);

    expect((await getOrder(user, due.order.id)).body).toMatchObject({
      status: 'cancelled',
      history: expect.arrayContaining([expect.objectContaining({ cause: 'reservation_expired' })]),
    });
    expect((await getOrder(user, notDue.order.id)).body.status).toBe('pending_payment');
    expect((await getOrder(user, paidOrder.order.id)).body.status).toBe('paid');
    expect(await stockOf(t, v.id)).toEqual({ onHand: 7, reserved: 1 });
    expect((await t.get(PaymentGateway).retrieveIntent(due.payment.paymentIntentId)).status).toBe(
      'canceled',
    );

    // The worker runs the same sweep every minute.
    const schedules = await db.query(
      `SELECT cron FROM pgboss.schedule WHERE name = 'orders.expire-overdue'`,
    );
    expect(schedules).toEqual([{ cron: '* * * * *' }]);

    // Running again finds nothing more to do: no double release.
    await expiry.expireDue(new Date());
    expect(await stockOf(t, v.id)).toEqual({ onHand: 7, reserved: 1 });
  });

  test('a due order held by a stuck transaction is left to the next run, the others expire', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const [stuck, free] = await twoDueOrders(user, v);
    await whileHeld(stuck.order.id, async () => {
      // Ends while the holder still holds its order.
      expect(await t.get(OrderExpiryService).expireDue(new Date())).toBeGreaterThanOrEqual(1);
      expect((await getOrder(user, free.order.id)).body.status).toBe('cancelled');
      expect((await getOrder(user, stuck.order.id)).body.status).toBe('pending_payment');
      expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 1 });
    });
    // The next run takes it.
    await t.get(OrderExpiryService).expireDue(new Date());
    expect((await getOrder(user, stuck.order.id)).body.status).toBe('cancelled');
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('a due order another transaction holds is waited for, then expired in the same run', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const { order } = await anOrder(user, v, 2);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [order.id],
    );
    // Its intent's canceled webhook is held back: only the sweep and the
    // holder below touch the order.
    emulator.webhookUrl = 'http://127.0.0.1:9/unreachable';
    try {
      await whileHeld(order.id, async (release) => {
        const run = t.get(OrderExpiryService).expireDue(new Date());
        // Awaited below; a failed wait must not leave its rejection unheard.
        run.catch(() => undefined);
        await waitFor(
          async () =>
            (
              (await db.query(
                `SELECT 1 FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event_type = 'Lock'
                    AND query LIKE '%FOR UPDATE%' AND query LIKE '%reservation_expires_at <= $1%'`,
              )) as unknown[]
            ).length > 0 || undefined,
          'the sweep to wait for the order',
        );
        await release();
        expect(await run).toBeGreaterThanOrEqual(1);
      });
    } finally {
      emulator.webhookUrl = webhookUrl;
    }
    expect((await getOrder(user, order.id)).body).toMatchObject({
      status: 'cancelled',
      history: expect.arrayContaining([expect.objectContaining({ cause: 'reservation_expired' })]),
    });
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('an order paid before its reservation ran out, its webhook late, is left to that webhook: paid, not refunded', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const { order, payment } = await anOrder(user, v, 1);
    // The payment succeeds at the provider; its webhook is held up.
    emulator.webhookUrl = 'http://127.0.0.1:9/unreachable';
    try {
      emulator.simulate(payment.paymentIntentId, 'succeeded');
      await db.query(
        `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
        [order.id],
      );
      expect(await t.get(OrderExpiryService).expireDue(new Date())).toBe(0);
      expect((await getOrder(user, order.id)).body.status).toBe('pending_payment');
      expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 1 });
    } finally {
      emulator.webhookUrl = webhookUrl;
    }
    await emulator.idle();
    const after = (await getOrder(user, order.id)).body;
    expect(after.status).toBe('paid');
    expect(after.history.map((h: { to: string }) => h.to)).not.toContain('cancelled');
    expect(await stockOf(t, v.id)).toEqual({ onHand: 4, reserved: 0 });
  });

  test('the expiry walk sees each due order once, however many share one deadline', async () => {
    const user = await aCustomer(t);
    const ids = [(await anOrder(user)).order.id, (await anOrder(user)).order.id];
    ids.push((await anOrder(user)).order.id);
    // One deadline for all, below the millisecond a Date would keep.
    const deadline = '2001-01-01 00:00:00.123456+00';
    await db.query(`UPDATE orders SET reservation_expires_at = $2 WHERE id = ANY($1)`, [
      ids,
      deadline,
    ]);
    const repository = t.get(OrderRepository);
    const seen: string[] = [];
    let after: DueOrder | undefined;
    for (let page = 0; page < 10; page++) {
      const due = await repository.dueForExpiry(new Date('2001-01-02'), 1, after);
      if (due.length === 0) break;
      seen.push(...due.map((o) => o.id));
      after = due.at(-1);
    }
    expect(seen).toEqual([...ids].sort());
    await t.get(OrderExpiryService).expireDue(new Date());
  });

  test('expiry waits out a provider outage: due orders keep their stock until it answers again', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 5 });
    const [first, second] = await twoDueOrders(user, v);
    gateway.cancelFailures = 100;
    try {
      expect(await t.get(OrderExpiryService).expireDue(new Date())).toBe(0);
    } finally {
      gateway.cancelFailures = 0;
    }
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 2 });
    // Not counted: the every-minute expiry job of this app may take some first.
    await t.get(OrderExpiryService).expireDue(new Date());
    for (const { order, payment } of [first, second]) {
      expect((await getOrder(user, order.id)).body.status).toBe('cancelled');
      expect((await gateway.retrieveIntent(payment.paymentIntentId)).status).toBe('canceled');
    }
    expect(await stockOf(t, v.id)).toEqual({ onHand: 5, reserved: 0 });
  });

  test('a payment arriving after expiry is refunded automatically, the order stays cancelled', async () => {
    const user = await aCustomer(t);
    const v = await aVariant(t, { stock: 2 });
    const { order, payment } = await anOrder(user, v, 1);
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [order.id],
    );
    // Expiry cancels the order here but the intent stays payable, as when
    // the provider call to cancel it fails.
    await db.query(`UPDATE orders SET payment_intent_id = NULL WHERE id = $1`, [order.id]);
    await t.get(OrderExpiryService).expireDue(new Date());
    await db.query(`UPDATE orders SET payment_intent_id = $2 WHERE id = $1`, [
      order.id,
      payment.paymentIntentId,
    ]);

    const after = await paid(user, order.id);
    await emulator.idle();
    const final = (await getOrder(user, order.id)).body;

    expect(after.status).toBe('cancelled');
    expect(final).toMatchObject({
      status: 'cancelled',
      reviewReason: 'paid_after_cancellation',
      amountPaid: order.total,
      amountRefunded: order.total,
    });
    expect(await stockOf(t, v.id)).toEqual({ onHand: 2, reserved: 0 });
  });

  test('a late payment whose charge was already refunded by hand → the event completes, the order shows it refunded', async () => {
    const user = await aCustomer(t);
    const { order, payment } = await anOrder(user);
    const intentId = payment.paymentIntentId as string;
    await cancelLeavingIntentPayable(t, { orderId: order.id, intentId, user });
    // The customer pays, and someone refunds the charge in the dashboard
    // before our handler gets to the payment.
    emulator.store.simulate(intentId, 'succeeded');
    await (
      await t.get(StripeClient).get()
    ).refunds.create({ payment_intent: intentId }, { idempotencyKey: `dashboard-${intentId}` });
    await emulator.idle();

    const succeeded = aStripeEvent(
      'payment_intent.succeeded',
      structuredClone(emulator.store.retrieveIntent(intentId)) as unknown as Record<
        string,
        unknown
      >,
    );
    const first = await deliver(t, succeeded, t.config.stripeWebhookSecret);
    expect(first.status).toBe(200);
    const again = await deliver(t, succeeded, t.config.stripeWebhookSecret);
    expect(again.status).toBe(200);

    const [event] = await db.query(`SELECT status FROM payment_events WHERE id = $1`, [
      succeeded.id,
    ]);
    expect(event).toEqual({ status: 'processed' });
    expect((await getOrder(user, order.id)).body).toMatchObject({
      status: 'cancelled',
      reviewReason: 'paid_after_cancellation',
      amountPaid: order.total,
      amountRefunded: order.total,
    });
  });

  describe('admin', () => {
    test('GET /admin/orders needs orders:manage (customer → 403) and filters by status', async () => {
      const admin = await anAdmin(t);
      const user = await aCustomer(t);
      const { order } = await anOrder(user);
      await paid(user, order.id);

      expect((await t.http.get('/api/v1/admin/orders').set(user.auth)).status).toBe(403);
      const res = await t.http.get('/api/v1/admin/orders?status=paid&limit=100').set(admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.items.every((o: { status: string }) => o.status === 'paid')).toBe(true);
      expect(res.body.items.map((o: { id: string }) => o.id)).toContain(order.id);
      expect((await t.http.get('/api/v1/admin/orders?status=lost').set(admin.auth)).status).toBe(
        400,
      );
    });

    test("GET /admin/orders/:id shows staff any customer's order, as its owner sees it plus the review's decision; a customer → 403, even for their own; unknown → 404", async () => {
      const admin = await anAdmin(t);
      const user = await aCustomer(t);
      const { order } = await anOrder(user);
      await paid(user, order.id);
      const own = (await getOrder(user, order.id)).body;

      const res = await t.http.get(`/api/v1/admin/orders/${order.id}`).set(admin.auth);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...own, reviewDecision: null });
      expect(res.body.status).toBe('paid');
      expect((await t.http.get(`/api/v1/admin/orders/${order.id}`).set(user.auth)).status).toBe(
        403,
      );
      const unknown = await t.http
        .get('/api/v1/admin/orders/00000000-0000-4000-8000-000000000000')
        .set(admin.auth);
      expect(unknown.status).toBe(404);
      expect(unknown.headers['content-type']).toContain('application/problem+json');
    });

    test("GET /admin/orders?userId= lists that customer's orders only; a malformed id → 400", async () => {
      const admin = await anAdmin(t);
      const [ada, bob] = [await aCustomer(t), await aCustomer(t)];
      const first = await anOrder(ada);
      await anOrder(bob);
      const second = await anOrder(ada);
      const res = await t.http
        .get('/api/v1/admin/orders')
        .query({ userId: ada.id, limit: 1 })
        .set(admin.auth)
        .expect(200);
      expect(res.body.items.map((o: { id: string }) => o.id)).toEqual([second.order.id]);
      const next = await t.http
        .get('/api/v1/admin/orders')
        .query({ userId: ada.id, limit: 1, cursor: res.body.nextCursor })
        .set(admin.auth)
        .expect(200);
      expect(next.body.items.map((o: { id: string }) => o.id)).toEqual([first.order.id]);
      expect(next.body.nextCursor).toBeNull();
      const bad = await t.http
        .get('/api/v1/admin/orders?userId=not-a-uuid')
        .set(admin.auth)
        .expect(400);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    test('POST /admin/orders/:id/fulfil: paid → fulfilled; pending → 409; unknown → 404', async () => {
      const admin = await anAdmin(t);
      const user = await aCustomer(t);
      const pending = await anOrder(user);
      const fulfil = (id: string) =>
        t.http.post(`/api/v1/admin/orders/${id}/fulfil`).set(admin.auth);

      expect((await fulfil(pending.order.id)).status).toBe(409);
      expect((await fulfil(randomUUID())).status).toBe(404);
      await paid(user, pending.order.id);
      const res = await fulfil(pending.order.id);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('fulfilled');
      expect(res.body.history.at(-1)).toMatchObject({ from: 'paid', to: 'fulfilled' });
      expect((await fulfil(pending.order.id)).status).toBe(409);
    });

    test('POST /admin/orders/:id/refund: partial then the rest; over-refund → 422; status follows charge.refunded', async () => {
      const admin = await anAdmin(t);
      const user = await aCustomer(t);
      const { order } = await anOrder(user, await aVariant(t, { stock: 5, price: 3000 }));
      const refund = (body: object) =>
        t.http.post(`/api/v1/admin/orders/${order.id}/refund`).set(admin.auth).send(body);

      expect((await refund({})).status).toBe(409); // nothing paid yet
      await paid(user, order.id);

      expect((await refund({ amount: { amount: 3001, currency: 'EUR' } })).status).toBe(422);
      const part = await refund({ amount: { amount: 1000, currency: 'EUR' } });
      expect(part.status).toBe(202);
      expect(part.body.refund).toMatchObject({ amount: { amount: 1000, currency: 'EUR' } });
      // Asked but unconfirmed refunds count: the rest is 2000, not 3000.
      expect((await refund({ amount: { amount: 2001, currency: 'EUR' } })).status).toBe(422);
      await emulator.idle();
      expect((await getOrder(user, order.id)).body).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 1000, currency: 'EUR' },
      });

      const rest = await refund({});
      expect(rest.status).toBe(202);
      expect(rest.body.refund.amount).toEqual({ amount: 2000, currency: 'EUR' });
      await emulator.idle();
      const final = (await getOrder(user, order.id)).body;
      expect(final).toMatchObject({
        status: 'refunded',
        amountRefunded: { amount: 3000, currency: 'EUR' },
      });
      expect(final.history.map((h: { to: string }) => h.to)).toEqual([
        'pending_payment',
        'paid',
        'partially_refunded',
        'refunded',
      ]);
      expect((await refund({})).status).toBe(409);
    });

    test('a refund Stripe fails later is taken back once, and the rest can be refunded', async () => {
      const admin = await anAdmin(t);
      const user = await aCustomer(t);
      const { order } = await anOrder(user, await aVariant(t, { stock: 5, price: 3000 }));
      const refund = (body: object) =>
        t.http.post(`/api/v1/admin/orders/${order.id}/refund`).set(admin.auth).send(body);
      const requested = async () =>
        (
          await db.query(`SELECT refund_requested::int AS n FROM orders WHERE id = $1`, [order.id])
        )[0].n as number;
      await paid(user, order.id);

      const first = await refund({ amount: { amount: 1000, currency: 'EUR' } });
      expect(first.status).toBe(202);
      await emulator.idle();
      expect(await requested()).toBe(1000);

      // The bank refuses the refund: Stripe sends charge.refund.updated, refund.updated and refund.failed.
      const events = emulator.failRefund(first.body.refund.id);
      expect(events.map((e) => e.type)).toEqual([
        'charge.refund.updated',
        'refund.updated',
        'refund.failed',
      ]);
      await emulator.idle();
      const statuses = await db.query(
        `SELECT status FROM payment_events WHERE id = ANY($1) ORDER BY type`,
        [events.map((e) => e.id)],
      );
      expect(statuses).toEqual([
        { status: 'processed' },
        { status: 'processed' },
        { status: 'processed' },
      ]);
      expect(await requested()).toBe(0);
      expect((await getOrder(user, order.id)).body.amountRefunded).toEqual({
        amount: 0,
        currency: 'EUR',
      });

      // The same amount again is a new refund, not the failed one replayed.
      const again = await refund({ amount: { amount: 1000, currency: 'EUR' } });
      expect(again.status).toBe(202);
      expect(again.body.refund.id).not.toBe(first.body.refund.id);
      await emulator.idle();
      // A late redelivery of the failure takes nothing back a second time.
      const late = aStripeEvent(
        'refund.failed',
        structuredClone(emulator.store.retrieveRefund(first.body.refund.id)) as unknown as Record<
          string,
          unknown
        >,
      );
      expect((await deliver(t, late, t.config.stripeWebhookSecret)).status).toBe(200);
      expect(await requested()).toBe(1000);

      const rest = await refund({});
      expect(rest.status).toBe(202);
      expect(rest.body.refund.amount).toEqual({ amount: 2000, currency: 'EUR' });
      await emulator.idle();
      expect((await getOrder(user, order.id)).body).toMatchObject({
        status: 'refunded',
        amountRefunded: { amount: 3000, currency: 'EUR' },
      });
      expect(await requested()).toBe(3000);
    });

    describe('POST /admin/orders/:id/refund with Idempotency-Key', () => {
      const eur = (amount: number) => ({ amount: { amount, currency: 'EUR' } });

      /** A paid order of 30.00 EUR and what its charge at the emulator has refunded. */
      async function aPaidOrder() {
        const user = await aCustomer(t);
        const { order, payment } = await anOrder(
          user,
          await aVariant(t, { stock: 5, price: 3000 }),
        );
        await paid(user, order.id);
        const refundedAtStripe = () => {
          const chargeId = emulator.store.retrieveIntent(payment.paymentIntentId).latest_charge;
          return emulator.store.retrieveCharge(chargeId ?? '').amount_refunded;
        };
        return { user, orderId: order.id as string, refundedAtStripe };
      }

      const refundWithKey = (admin: TestUser, orderId: string, key: string, body: object) =>
        t.http
          .post(`/api/v1/admin/orders/${orderId}/refund`)
          .set(admin.auth)
          .set('Idempotency-Key', key)
          .send(body);
      const refundWithoutKey = (admin: TestUser, orderId: string, body: object) =>
        t.http.post(`/api/v1/admin/orders/${orderId}/refund`).set(admin.auth).send(body);

      test('a replay with the same body returns the first reply and refunds once', async () => {
        const admin = await anAdmin(t);
        const { user, orderId, refundedAtStripe } = await aPaidOrder();
        const key = randomUUID();

        const first = await refundWithKey(admin, orderId, key, eur(1000));
        expect(first.status).toBe(202);
        const replay = await refundWithKey(admin, orderId, key, eur(1000));
        expect(replay.status).toBe(202);
        expect(replay.body).toEqual(first.body);
        expect(refundedAtStripe()).toBe(1000);

        await emulator.idle();
        expect((await getOrder(user, orderId)).body).toMatchObject({
          status: 'partially_refunded',
          amountRefunded: { amount: 1000, currency: 'EUR' },
        });
        // A new key is a new refund.
        const second = await refundWithKey(admin, orderId, randomUUID(), eur(1000));
        expect(second.status).toBe(202);
        expect(second.body.refund.id).not.toBe(first.body.refund.id);
        expect(refundedAtStripe()).toBe(2000);
      });

      test('the same key with another amount or another order → 422, nothing more refunded', async () => {
        const admin = await anAdmin(t);
        const { orderId, refundedAtStripe } = await aPaidOrder();
        const other = await aPaidOrder();
        const key = randomUUID();
        expect((await refundWithKey(admin, orderId, key, eur(1000))).status).toBe(202);

        for (const [id, body] of [
          [orderId, eur(500)],
          [orderId, {}],
          [other.orderId, eur(1000)],
        ] as const) {
          const res = await refundWithKey(admin, id, key, body);
          expect(res.status).toBe(422);
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.body.detail).toMatch(/Idempotency-Key/);
        }
        expect(refundedAtStripe()).toBe(1000);
        expect(other.refundedAtStripe()).toBe(0);
      });

      test('concurrent duplicates make one refund, and all get its reply', async () => {
        const admin = await anAdmin(t);
        const { orderId, refundedAtStripe } = await aPaidOrder();
        const key = randomUUID();

        const replies = await Promise.all(
          Array.from({ length: 5 }, () => refundWithKey(admin, orderId, key, eur(700))),
        );
        expect(replies.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
        const ids = new Set(replies.map((r) => r.body.refund.id as string));
        expect(ids.size).toBe(1);
        expect(refundedAtStripe()).toBe(700);
      });

      /**
       * As if the process had died after Stripe answered but before the
       * reply was stored, long enough ago for the claim to be retaken.
       */
      const crashAfterStripe = (admin: TestUser, key: string) =>
        db.query(
          `UPDATE idempotency_keys
              SET status = 'in_progress', response_status = NULL, response_body = NULL,
                  completed_at = NULL, created_at = now() - interval '10 minutes'
            WHERE user_id = $1 AND key = $2`,
          [admin.id, key],
        );

      const refundRequested = async (orderId: string): Promise<number> => {
        const [row] = await db.query<{ refund_requested: string }[]>(
          'SELECT refund_requested FROM orders WHERE id = $1',
          [orderId],
        );
        return Number(row?.refund_requested);
      };

      test('a retry after a crash that had reached Stripe gets the same refund, booked once', async () => {
        const admin = await anAdmin(t);
        const { user, orderId, refundedAtStripe } = await aPaidOrder();
        const key = randomUUID();
        const first = await refundWithKey(admin, orderId, key, eur(1000));
        expect(first.status).toBe(202);
        await crashAfterStripe(admin, key);

        const retry = await refundWithKey(admin, orderId, key, eur(1000));
        expect(retry.status).toBe(202);
        expect(retry.body.refund.id).toBe(first.body.refund.id);
        expect(refundedAtStripe()).toBe(1000);
        expect(await refundRequested(orderId)).toBe(1000);

        // So the rest of the payment can still be refunded.
        const rest = await refundWithKey(admin, orderId, randomUUID(), eur(2000));
        expect(rest.status).toBe(202);
        expect(rest.body.refund.id).not.toBe(first.body.refund.id);
        expect(refundedAtStripe()).toBe(3000);
        expect(await refundRequested(orderId)).toBe(3000);
        await emulator.idle();
        expect((await getOrder(user, orderId)).body).toMatchObject({
          status: 'refunded',
          amountRefunded: { amount: 3000, currency: 'EUR' },
        });
      });

      test('a retry of a full refund after a crash, once Stripe has confirmed it → the same refund', async () => {
        const admin = await anAdmin(t);
        const { user, orderId, refundedAtStripe } = await aPaidOrder();
        const key = randomUUID();
        const first = await refundWithKey(admin, orderId, key, {});
        expect(first.status).toBe(202);
        await emulator.idle();
        expect((await getOrder(user, orderId)).body.status).toBe('refunded');
        await crashAfterStripe(admin, key);

        const retry = await refundWithKey(admin, orderId, key, {});
        expect(retry.status).toBe(202);
        expect(retry.body.refund).toEqual(first.body.refund);
        expect(refundedAtStripe()).toBe(3000);
        expect(await refundRequested(orderId)).toBe(3000);
      });

      test('a refund Stripe could not be reached for: booked only under a key, and asked again it is booked once', async () => {
        const admin = await anAdmin(t);
        const { orderId, refundedAtStripe } = await aPaidOrder();
        const key = randomUUID();
        try {
          gateway.refundsDown = true;
          expect((await refundWithoutKey(admin, orderId, eur(1000))).status).toBe(503);
          expect(await refundRequested(orderId)).toBe(0);
          // Unreachable cannot be told from answered too late: the booking
          // stays for the retry with the key to find.
          expect((await refundWithKey(admin, orderId, key, eur(500))).status).toBe(503);
          expect(await refundRequested(orderId)).toBe(500);
        } finally {
          gateway.refundsDown = false;
        }

        expect((await refundWithoutKey(admin, orderId, eur(1000))).status).toBe(202);
        expect(await refundRequested(orderId)).toBe(1500);
        expect((await refundWithKey(admin, orderId, key, eur(500))).status).toBe(202);
        expect(await refundRequested(orderId)).toBe(1500);
        expect(refundedAtStripe()).toBe(1500);
      });

      test('a refused refund keeps no claim: the key works once the cause is gone', async () => {
        const admin = await anAdmin(t);
        const user = await aCustomer(t);
        const { order } = await anOrder(user, await aVariant(t, { stock: 5, price: 3000 }));
        const key = randomUUID();
        expect((await refundWithKey(admin, order.id, key, {})).status).toBe(409); // not paid
        await paid(user, order.id);
        const res = await refundWithKey(admin, order.id, key, {});
        expect(res.status).toBe(202);
        expect(res.body.refund.amount).toEqual({ amount: 3000, currency: 'EUR' });
      });

      test('an amount sent as null → 400, not a refund of everything', async () => {
        const admin = await anAdmin(t);
        const { orderId, refundedAtStripe } = await aPaidOrder();
        const res = await refundWithKey(admin, orderId, randomUUID(), { amount: null });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          { field: 'amount', message: expect.stringContaining('amount must be an object') },
        ]);
        expect(await refundRequested(orderId)).toBe(0);
        expect(refundedAtStripe()).toBe(0);
      });

      test('an empty or overlong Idempotency-Key → 400', async () => {
        const admin = await anAdmin(t);
        const { orderId, refundedAtStripe } = await aPaidOrder();
        for (const key of ['', 'k'.repeat(256)]) {
          expect((await refundWithKey(admin, orderId, key, eur(100))).status).toBe(400);
        }
        expect(refundedAtStripe()).toBe(0);
      });
    });

    test('customers cannot fulfil or refund → 403', async () => {
      const user = await aCustomer(t);
      const { order } = await anOrder(user);
      expect(
        (await t.http.post(`/api/v1/admin/orders/${order.id}/fulfil`).set(user.auth)).status,
      ).toBe(403);
      expect(
        (await t.http.post(`/api/v1/admin/orders/${order.id}/refund`).set(user.auth).send({}))
          .status,
      ).toBe(403);
    });
  });
});
