import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { Money, PaymentProviderError, PaymentStateConflictError } from '@minishop/domain';
import { DataSource } from 'typeorm';

import { OrderExpiryService } from '../src/orders/order-expiry.service.js';
import {
  PROVIDER_KEY_WINDOW_MS,
  RefundSettlementService,
  SETTLE_AFTER_MS,
} from '../src/orders/refund-settlement.service.js';
import { UnsettledRefundsService } from '../src/orders/unsettled-refunds.service.js';
import type { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import type { EmulatedEvent } from '../src/payments/emulator/webhook-dispatcher.js';
import {
  PaymentGateway,
  type RefundInput,
  type RefundRef,
} from '../src/payments/payment-gateway.js';
import { PaymentSimulationService } from '../src/payments/payment-simulation.service.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { StripePaymentGateway } from '../src/payments/stripe/stripe-payment-gateway.js';
import { cliInProcess } from './support/cli-in-process.js';
import { DelegatingGateway } from './support/delegating-gateway.js';
import { webhooksToThisApp } from './support/emulator.js';
import { stopListening } from './support/raw-http.js';
import { aCart, aStripeEvent, aVariant, chargeObject, checkout, deliver } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

/**
 * The real gateway, which notes every refund call and charge read made while
 * the order of that payment stays row-locked: a provider call under a row
 * lock holds up every other write to the order for as long as the provider
 * takes to answer. The call waits here for the lock; a lock held by the
 * caller itself is never released while it waits, so the wait runs out,
 * while another transaction's (a concurrent event being applied) soon ends.
 */
class LockWatchingGateway extends DelegatingGateway {
  readonly callsUnderLock: { call: string; paymentIntentId: string }[] = [];
  /** Every refund the provider made, so a test can have the bank fail one. */
  readonly refunds: { paymentIntentId: string; id: string }[] = [];
  intentOfCharge: (chargeId: string) => string = () => '';
  /** Runs once Stripe answered for a charge, before the caller locks anything. */
  afterChargeRead: (() => Promise<void>) | undefined;
  /**
   * What the next refund call fails with after Stripe made the refund: as
   * when the answer is lost on its way back, or Stripe is still at work.
   */
  failAfterNextRefund: Error | undefined;
  /** What the next refund call fails with before it reaches Stripe: nothing is made. */
  failBeforeNextRefund: Error | undefined;

  constructor(
    real: PaymentGateway,
    private readonly db: DataSource,
  ) {
    super(real);
  }

  override async refund(input: RefundInput): Promise<RefundRef> {
    await this.watch('refund', input.paymentIntentId);
    const unreached = this.failBeforeNextRefund;
    this.failBeforeNextRefund = undefined;
    if (unreached) throw unreached;
    const made = await this.real.refund(input);
    this.refunds.push({ paymentIntentId: input.paymentIntentId, id: made.id });
    const lost = this.failAfterNextRefund;
    this.failAfterNextRefund = undefined;
    if (lost) throw lost;
    return made;
  }
  override async refundedAmount(chargeId: string): Promise<Money> {
    await this.watch('refundedAmount', this.intentOfCharge(chargeId));
    const refunded = await this.real.refundedAmount(chargeId);
    await this.afterChargeRead?.();
    return refunded;
  }

  private async watch(call: string, paymentIntentId: string): Promise<void> {
    try {
      await this.db.transaction(async (m) => {
        await m.query(`SET LOCAL lock_timeout = '5s'`);
        await m.query('SELECT id FROM orders WHERE payment_intent_id = $1 FOR UPDATE', [
          paymentIntentId,
        ]);
      });
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (code !== '55P03') throw error; // lock_not_available
      this.callsUnderLock.push({ call, paymentIntentId });
    }
  }
}

/**
 * Stands in for the API as the emulator's webhook endpoint while a test
 * holds events back, so the test can deliver them later in the order it
 * chooses, as Stripe's retries after an outage may.
 */
class WebhookMailbox {
  readonly events: EmulatedEvent[] = [];
  private server: Server | undefined;
  url = '';

  async open(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        this.events.push(JSON.parse(body) as EmulatedEvent);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.url = `http://127.0.0.1:${port}/`;
  }

  take(type: string): EmulatedEvent {
    const index = this.events.findIndex((e) => e.type === type);
    if (index < 0) throw new Error(`no ${type} event was held`);
    return this.events.splice(index, 1)[0]!;
  }

  /** Cuts the emulator's connections too: nothing sent here after the tests is read. */
  async close(): Promise<void> {
    await stopListening(this.server);
  }
}

describe('refunds that fail, arrive late, or meet refunds made in the Stripe dashboard', () => {
  let t: TestApp;
  let db: DataSource;
  let emulator: StripeEmulator;
  let gateway: LockWatchingGateway;
  let apiWebhookUrl: string;
  const mailbox = new WebhookMailbox();

  beforeAll(async () => {
    t = await startTestApp({
      // Stripe replays a 500 under its key: the SDK's retries of it, seconds
      // of backoff, would only ask for the same 500 again.
      env: { STRIPE_MAX_NETWORK_RETRIES: '0' },
      override: (b) =>
        b.overrideProvider(PaymentGateway).useFactory({
          factory: (stripe: StripeClient, dataSource: DataSource) =>
            new LockWatchingGateway(new StripePaymentGateway(stripe), dataSource),
          inject: [StripeClient, DataSource],
        }),
    });
    db = t.get(DataSource);
    gateway = t.get(PaymentGateway) as LockWatchingGateway;
    ({ emulator, webhookUrl: apiWebhookUrl } = await webhooksToThisApp(t));
    gateway.intentOfCharge = (chargeId) => {
      // A charge the emulator does not know is locked under no intent; the
      // real gateway then gets Stripe's answer for it.
      try {
        return emulator.store.retrieveCharge(chargeId).payment_intent;
      } catch {
        return '';
      }
    };
    await mailbox.open();
  });
  beforeEach(() => {
    emulator.webhookUrl = apiWebhookUrl;
    mailbox.events.length = 0;
    gateway.afterChargeRead = undefined;
    gateway.failAfterNextRefund = undefined;
    gateway.failBeforeNextRefund = undefined;
  });
  afterAll(async () => {
    await mailbox.close();
    await t?.close();
  });

  const eur = (amount: number) => ({ amount: { amount, currency: 'EUR' } });

  /** A paid order of 30.00 EUR (the payment went through the emulator and its webhook). */
  async function aPaidOrder(price = 3000) {
    const user = await aCustomer(t);
    const variant = await aVariant(t, { stock: 5, price });
    await aCart(t, user, [{ variant, quantity: 1 }]);
    const res = await checkout(t, user, randomUUID());
    expect(res.status).toBe(201);
    const orderId = res.body.order.id as string;
    const intentId = res.body.payment.paymentIntentId as string;
    await t.get(PaymentSimulationService).simulate({ orderId }, 'succeeded');
    await emulator.idle();
    const charge = () =>
      emulator.store.retrieveCharge(emulator.store.retrieveIntent(intentId).latest_charge ?? '');
    return { user, orderId, intentId, charge };
  }

  /**
   * An order of 30.00 EUR cancelled by expiry while its intent stays
   * payable, as when the provider call to cancel it fails.
   */
  async function aCancelledOrderStillPayable() {
    const user = await aCustomer(t);
    const variant = await aVariant(t, { stock: 2, price: 3000 });
    await aCart(t, user, [{ variant, quantity: 1 }]);
    const res = await checkout(t, user, randomUUID());
    const orderId = res.body.order.id as string;
    const intentId = res.body.payment.paymentIntentId as string;
    await db.query(
      `UPDATE orders SET reservation_expires_at = now() - interval '1 minute',
                         payment_intent_id = NULL WHERE id = $1`,
      [orderId],
    );
    await t.get(OrderExpiryService).expireDue(new Date());
    await db.query('UPDATE orders SET payment_intent_id = $2 WHERE id = $1', [orderId, intentId]);
    return { user, orderId, intentId };
  }

  const refund = (admin: TestUser, orderId: string, body: object) =>
    t.http.post(`/api/v1/admin/orders/${orderId}/refund`).set(admin.auth).send(body);

  const orderOf = async (user: TestUser, orderId: string) => {
    const res = await t.http.get(`/api/v1/orders/${orderId}`).set(user.auth);
    expect(res.status).toBe(200);
    return res.body as {
      status: string;
      amountRefunded: { amount: number };
      history: { from: string; to: string; cause: string }[];
    };
  };

  const refundRequested = async (orderId: string): Promise<number> => {
    const [row] = await db.query<{ n: number }[]>(
      'SELECT refund_requested::int AS n FROM orders WHERE id = $1',
      [orderId],
    );
    return row!.n;
  };

  const eventRow = async (id: string) =>
    (
      await db.query<{ status: string; last_error: string | null }[]>(
        'SELECT status, last_error FROM payment_events WHERE id = $1',
        [id],
      )
    )[0];

  const deliverHeld = async (event: EmulatedEvent) => {
    const res = await deliver(t, event, t.config.stripeWebhookSecret);
    expect(res.status).toBe(200);
    return res.body as { status: string };
  };

  const callsUnderLockFor = (intentId: string) =>
    gateway.callsUnderLock.filter((c) => c.paymentIntentId === intentId);

  describe('a refund with an Idempotency-Key', () => {
    const withKey = (admin: TestUser, orderId: string, key: string, body: object) =>
      refund(admin, orderId, body).set('Idempotency-Key', key);

    test.each([
      [
        'Stripe answered too late',
        new PaymentProviderError('Request timed out', 'unreachable'),
        503,
      ],
      [
        'Stripe was still at work on the key',
        new PaymentStateConflictError('Keys for idempotent requests…', 'idempotency_key_in_use'),
        409,
      ],
    ])(
      'made by Stripe though the call failed (%s) stays booked, and a retry with the key finishes it',
      async (_name, error, status) => {
        const admin = await anAdmin(t);
        const { user, orderId, intentId, charge } = await aPaidOrder(1000);
        const key = randomUUID();

        gateway.failAfterNextRefund = error;
        const failed = await withKey(admin, orderId, key, eur(300));
        expect(failed.status).toBe(status);
        expect(failed.headers['content-type']).toContain('application/problem+json');
        const made = gateway.refunds.filter((r) => r.paymentIntentId === intentId);
        expect(made).toHaveLength(1);
        expect(charge().amount_refunded).toBe(300);
        expect(await refundRequested(orderId)).toBe(300);
        await emulator.idle(); // its charge.refunded
        expect(await orderOf(user, orderId)).toMatchObject({
          status: 'partially_refunded',
          amountRefunded: { amount: 300 },
        });

        // Taken back and the key released, the retry booked it again: 600
        // requested for 300 refunded, and the rest of the payment stuck.
        const retry = await withKey(admin, orderId, key, eur(300));
        expect(retry.status).toBe(202);
        expect(retry.body.refund).toMatchObject({ id: made[0]!.id, amount: eur(300).amount });
        expect(charge().amount_refunded).toBe(300);
        expect(await refundRequested(orderId)).toBe(300);
        const replay = await withKey(admin, orderId, key, eur(300));
        expect(replay.body).toEqual(retry.body);

        const rest = await refund(admin, orderId, eur(700));
        expect(rest.status).toBe(202);
        await emulator.idle();
        expect(charge().amount_refunded).toBe(1000);
        expect(await refundRequested(orderId)).toBe(1000);
        expect(await orderOf(user, orderId)).toMatchObject({
          status: 'refunded',
          amountRefunded: { amount: 1000 },
        });
      },
    );

    test('sent again after its key was pruned (24 h) → 422, no refund made or booked', async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId, charge } = await aPaidOrder(1000);
      const key = randomUUID();
      expect((await withKey(admin, orderId, key, eur(300))).status).toBe(202);
      await emulator.idle();
      // As IdempotencyKeyCleanupService does once the key is 24 hours old.
      await db.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [
        admin.id,
        key,
      ]);

      for (const body of [eur(200), eur(300), {}]) {
        const res = await withKey(admin, orderId, key, body);
        expect(res.status).toBe(422);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.type).toMatch(/idempotency-key-reused$/);
        expect(res.body.detail).toMatch(/Idempotency-Key/);
      }
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(1);
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);

      // Under a new key it is a new refund, booked and checked as any.
      expect((await withKey(admin, orderId, randomUUID(), eur(200))).status).toBe(202);
      expect((await withKey(admin, orderId, randomUUID(), eur(600))).status).toBe(422);
      expect(charge().amount_refunded).toBe(500);
      expect(await refundRequested(orderId)).toBe(500);
    });
  });

  describe('a booked refund whose provider call failed and was never retried (orders.settle-refunds)', () => {
    const withKey = (admin: TestUser, orderId: string, key: string, body: object) =>
      refund(admin, orderId, body).set('Idempotency-Key', key);
    /** A run as the job makes it once the booking is due. */
    const settleStale = () =>
      t.get(RefundSettlementService).settleStale(new Date(Date.now() + SETTLE_AFTER_MS + 60_000));
    const bookingOf = async (orderId: string) =>
      (
        await db.query<{ settled_at: Date | null; refund_id: string | null }[]>(
          'SELECT settled_at, refund_id FROM refund_bookings WHERE order_id = $1',
          [orderId],
        )
      )[0];
    const unreachable = () => new PaymentProviderError('connect ECONNREFUSED', 'unreachable');

    /** A paid order of 10.00 EUR with 3.00 booked under a client key, Stripe never reached. */
    async function aBookingStripeNeverGot() {
      const admin = await anAdmin(t);
      const paid = await aPaidOrder(1000);
      const key = randomUUID();
      gateway.failBeforeNextRefund = unreachable();
      expect((await withKey(admin, paid.orderId, key, eur(300))).status).toBe(503);
      expect(paid.charge().amount_refunded).toBe(0);
      expect(await refundRequested(paid.orderId)).toBe(300);
      expect(await bookingOf(paid.orderId)).toMatchObject({ settled_at: null, refund_id: null });
      return { ...paid, admin, key };
    }

    test('a refund made at once is settled with its id, and the job asks nothing more', async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId } = await aPaidOrder(1000);
      expect((await withKey(admin, orderId, randomUUID(), eur(300))).status).toBe(202);
      const [made] = gateway.refunds.filter((r) => r.paymentIntentId === intentId);
      expect(await bookingOf(orderId)).toMatchObject({
        settled_at: expect.any(Date),
        refund_id: made!.id,
      });
      await settleStale();
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(1);
    });

    test('Stripe never got it → the job makes it under the booking key, once; the admin retrying the key later gets that refund', async () => {
      const { user, orderId, intentId, charge, admin, key } = await aBookingStripeNeverGot();

      const run = await settleStale();
      expect(run.settled).toBeGreaterThanOrEqual(1);
      const made = gateway.refunds.filter((r) => r.paymentIntentId === intentId);
      expect(made).toHaveLength(1);
      expect(await bookingOf(orderId)).toMatchObject({
        settled_at: expect.any(Date),
        refund_id: made[0]!.id,
      });
      await emulator.idle(); // its charge.refunded
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 300 },
      });

      await settleStale();
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(1);
      const retry = await withKey(admin, orderId, key, eur(300));
      expect(retry.status).toBe(202);
      expect(retry.body.refund).toMatchObject({ id: made[0]!.id });
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
    });

    test('Stripe made it but its answer was lost → the job gets the same refund back, nothing refunded twice', async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId, charge } = await aPaidOrder(1000);
      gateway.failAfterNextRefund = unreachable();
      expect((await withKey(admin, orderId, randomUUID(), eur(300))).status).toBe(503);
      const [made] = gateway.refunds.filter((r) => r.paymentIntentId === intentId);
      expect(await bookingOf(orderId)).toMatchObject({ settled_at: null });

      await settleStale();
      expect(await bookingOf(orderId)).toMatchObject({
        settled_at: expect.any(Date),
        refund_id: made!.id,
      });
      await emulator.idle();
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
    });

    test('Stripe still unreachable → left for the next run; refused when asked → taken back, refundable again', async () => {
      const { orderId, intentId, charge, admin } = await aBookingStripeNeverGot();

      gateway.failBeforeNextRefund = unreachable();
      expect((await settleStale()).left).toBeGreaterThanOrEqual(1);
      expect(await bookingOf(orderId)).toMatchObject({ settled_at: null });
      expect(await refundRequested(orderId)).toBe(300);

      gateway.failBeforeNextRefund = new PaymentStateConflictError(
        'This charge has been disputed',
        'charge_disputed',
      );
      expect((await settleStale()).takenBack).toBeGreaterThanOrEqual(1);
      expect(await bookingOf(orderId)).toBeUndefined();
      expect(await refundRequested(orderId)).toBe(0);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(0);

      expect((await withKey(admin, orderId, randomUUID(), eur(1000))).status).toBe(202);
      await emulator.idle();
      expect(charge().amount_refunded).toBe(1000);
    });

    /** The emulator's refunds of the intent, newest first, with their metadata. */
    const refundsAtStripe = (intentId: string) =>
      emulator.store.listRefunds({ payment_intent: intentId }).data;
    const bookingKeyOf = async (orderId: string) =>
      (
        await db.query<{ key: string }[]>(
          'SELECT idempotency_key AS key FROM refund_bookings WHERE order_id = $1',
          [orderId],
        )
      )[0]!.key;

    test("Stripe answered 500 after making it, and replays that 500 under the key → the job finds it among the payment's refunds and settles with its id, nothing refunded twice", async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId, charge } = await aPaidOrder(1000);
      emulator.failNextWrite('/v1/refunds', { afterWork: true });
      expect((await withKey(admin, orderId, randomUUID(), eur(300))).status).toBe(503);
      const [made] = refundsAtStripe(intentId);
      expect(made).toMatchObject({
        amount: 300,
        metadata: { refundBooking: await bookingKeyOf(orderId) },
      });
      expect(await bookingOf(orderId)).toMatchObject({ settled_at: null });

      const run = await settleStale();
      expect(run.settled).toBeGreaterThanOrEqual(1);
      expect(await bookingOf(orderId)).toMatchObject({
        settled_at: expect.any(Date),
        refund_id: made!.id,
      });
      await emulator.idle();
      expect(refundsAtStripe(intentId)).toHaveLength(1);
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
    });

    test('Stripe answered 500 having made nothing, and replays that 500 under the key → the job asks again under a key of its own, once, and settles with that refund', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, intentId, charge } = await aPaidOrder(1000);
      emulator.failNextWrite('/v1/refunds', { afterWork: false });
      expect((await withKey(admin, orderId, randomUUID(), eur(300))).status).toBe(503);
      expect(refundsAtStripe(intentId)).toHaveLength(0);
      const key = await bookingKeyOf(orderId);

      const run = await settleStale();
      expect(run.settled).toBeGreaterThanOrEqual(1);
      const made = refundsAtStripe(intentId);
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ amount: 300, metadata: { refundBooking: key } });
      expect(await bookingOf(orderId)).toMatchObject({
        settled_at: expect.any(Date),
        refund_id: made[0]!.id,
      });
      await emulator.idle();
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 300 },
      });

      // Settled, it is not asked for again; the rest of the payment is refundable.
      await settleStale();
      expect(refundsAtStripe(intentId)).toHaveLength(1);
      expect((await withKey(admin, orderId, randomUUID(), eur(700))).status).toBe(202);
    });

    test("the admin's retry under their key, whose call Stripe answers with a replayed 500, gets the refund once the job has settled the booking: 202, nothing asked again", async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId, charge } = await aPaidOrder(1000);
      const clientKey = randomUUID();
      emulator.failNextWrite('/v1/refunds', { afterWork: false });
      expect((await withKey(admin, orderId, clientKey, eur(300))).status).toBe(503);
      // Stripe keeps that 500 under the key: a retry before the job gets it again.
      expect((await withKey(admin, orderId, clientKey, eur(300))).status).toBe(503);

      await settleStale();
      const [made] = refundsAtStripe(intentId);
      const retry = await withKey(admin, orderId, clientKey, eur(300));

      expect(retry.status).toBe(202);
      expect(retry.body.refund).toMatchObject({
        id: made!.id,
        amount: { amount: 300, currency: 'EUR' },
      });
      expect(refundsAtStripe(intentId)).toHaveLength(1);
      await emulator.idle();
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
      // Its reply is stored like any other: the next repeat replays it.
      const again = await withKey(admin, orderId, clientKey, eur(300));
      expect(again.status).toBe(202);
      expect(again.body.refund.id).toBe(made!.id);
    });

    test('a booking made before refunds named theirs is asked again as first asked, without metadata: Stripe replays its refund instead of refusing the key as another request', async () => {
      const { orderId, intentId, charge } = await aPaidOrder(1000);
      const key = `refund-${orderId}-0-300`;
      // As RefundService booked and asked before refunds carried their
      // booking: an instance still on that code during a rolling deploy
      // inserts it so, without the column.
      await db.query(
        `WITH booked AS (
           INSERT INTO refund_bookings (idempotency_key, order_id, amount, ledger)
           VALUES ($1, $2, 300, 'order') RETURNING order_id
         )
         UPDATE orders SET refund_requested = 300 FROM booked WHERE orders.id = booked.order_id`,
        [key, orderId],
      );
      const first = await new StripePaymentGateway(t.get(StripeClient)).refund({
        paymentIntentId: intentId,
        amount: Money.of(300, 'EUR'),
        idempotencyKey: key,
      });

      const run = await settleStale();
      expect(run.settled).toBeGreaterThanOrEqual(1);
      expect(await bookingOf(orderId)).toMatchObject({
        settled_at: expect.any(Date),
        refund_id: first.id,
      });
      await emulator.idle();
      expect(refundsAtStripe(intentId)).toHaveLength(1);
      expect(charge().amount_refunded).toBe(300);
      expect(await refundRequested(orderId)).toBe(300);
    });

    test('a booking whose key replays a 500 does not hold back the bookings after it', async () => {
      const admin = await anAdmin(t);
      const first = await aPaidOrder(1000);
      emulator.failNextWrite('/v1/refunds', { afterWork: false });
      expect((await withKey(admin, first.orderId, randomUUID(), eur(300))).status).toBe(503);
      const { orderId, intentId } = await aBookingStripeNeverGot();

      // Its key's 500 replays, and the call under a key of its own fails too.
      emulator.failNextWrite('/v1/refunds', { afterWork: false });
      const run = await settleStale();
      expect(run.left).toBeGreaterThanOrEqual(1);
      expect(await bookingOf(first.orderId)).toMatchObject({ settled_at: null });
      expect(await bookingOf(orderId)).toMatchObject({ settled_at: expect.any(Date) });
      expect(refundsAtStripe(intentId)).toHaveLength(1);
    });

    test("past the provider's key window → not asked again (it would be a new refund), counted as too old", async () => {
      const { orderId, intentId } = await aBookingStripeNeverGot();
      await db.query(
        `UPDATE refund_bookings SET created_at = now() - $2 * interval '1 millisecond'
          WHERE order_id = $1`,
        [orderId, PROVIDER_KEY_WINDOW_MS + 2 * 60_000],
      );

      const run = await settleStale();
      expect(run.tooOld).toBeGreaterThanOrEqual(1);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(0);
      expect(await bookingOf(orderId)).toMatchObject({ settled_at: null });
      expect(await refundRequested(orderId)).toBe(300);
    });

    test("the admin retrying its key past the provider's key window → 422, Stripe not asked (it would be a new refund)", async () => {
      const { orderId, intentId, admin, key } = await aBookingStripeNeverGot();
      await db.query(
        `UPDATE refund_bookings SET created_at = now() - $2 * interval '1 millisecond'
          WHERE order_id = $1`,
        [orderId, PROVIDER_KEY_WINDOW_MS + 2 * 60_000],
      );

      const late = await withKey(admin, orderId, key, eur(300));
      expect(late.status).toBe(422);
      expect(late.headers['content-type']).toContain('application/problem+json');
      expect(late.body.type).toMatch(/idempotency-key-reused$/);
      expect(late.body.detail).toMatch(/no longer knows the key/);
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(0);
      expect(await refundRequested(orderId)).toBe(300);
    });

    describe('closed by hand: npm run cli -- refunds:unsettled, refunds:settle, refunds:take-back', () => {
      /** The command line beside this app: its database, and its emulator through its port. */
      const cli = (args: string[]) =>
        cliInProcess(args, {
          DATABASE_URL: t.db.url,
          DATA_DIR: t.config.dataDir,
          STRIPE_EMULATOR_PORT: String(emulator.port),
        });
      const ageBooking = (orderId: string, ms: number) =>
        db.query(
          `UPDATE refund_bookings SET created_at = now() - $2 * interval '1 millisecond'
            WHERE order_id = $1`,
          [orderId, ms],
        );

      /** A paid order of 10.00 EUR with 3.00 booked, its call answered with a 500 Stripe replays. */
      async function aBookingAnswered500(afterWork: boolean) {
        const admin = await anAdmin(t);
        const paid = await aPaidOrder(1000);
        emulator.failNextWrite('/v1/refunds', { afterWork });
        expect((await withKey(admin, paid.orderId, randomUUID(), eur(300))).status).toBe(503);
        await emulator.idle();
        return { ...paid, admin, key: await bookingKeyOf(paid.orderId) };
      }

      test('refunds:unsettled says when more bookings exist than it lists, the oldest first', async () => {
        const first = await aBookingAnswered500(true);
        const second = await aBookingAnswered500(true);
        const refunds = t.get(UnsettledRefundsService);
        const all = await refunds.list();
        const keys = all.bookings.map((b) => b.key);
        expect(keys).toEqual(expect.arrayContaining([first.key, second.key]));
        expect(all.more).toBe(false);

        const capped = await refunds.list(new Date(), all.bookings.length - 1);
        expect(capped.more).toBe(true);
        expect(capped.bookings.map((b) => b.key)).toEqual(keys.slice(0, -1));
      });

      test('refunds:unsettled lists it; refunds:settle checks the refund named with Stripe, refuses the wrong ones (exit 1, saying why), records the right one once', async () => {
        const { orderId, intentId, key } = await aBookingAnswered500(true);
        await ageBooking(orderId, PROVIDER_KEY_WINDOW_MS + 2 * 3_600_000);
        const [made] = refundsAtStripe(intentId);

        const listed = await cli(['refunds:unsettled']);
        expect(listed).toMatchObject({ code: 0, stderr: '' });
        expect(listed.stdout).toMatch(
          new RegExp(
            `^${key}  ${orderId}  3\\.00 EUR  \\d{4}-\\d\\d-\\d\\dT\\S+Z  25h 0\\dm  past the key window: settle or take back by hand$`,
            'm',
          ),
        );
        expect(listed.stdout).toMatch(/^\d+ unsettled refund booking\(s\)\.\n$/m);

        // Not a refund id, or none.
        const notAnId = await cli(['refunds:settle', key, '--refund-id', 'nope']);
        expect(notAnId.code).toBe(1);
        expect(notAnId.stderr).toMatch(/--refund-id must be a Stripe refund id/);
        const noId = await cli(['refunds:settle', key]);
        expect(noId.code).toBe(1);
        expect(noId.stderr).toMatch(/--refund-id/);
        // No such booking.
        const unknown = await cli(['refunds:settle', 'refund-nope', '--refund-id', made!.id]);
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toMatch(/No unsettled refund booking has the key refund-nope/);
        // Another payment's refund, and one of this payment of another amount.
        const other = await aPaidOrder(1000);
        const elsewhere = emulator.store.createRefund({
          payment_intent: other.intentId,
          amount: '300',
        }).refund;
        const notOfOrder = await cli(['refunds:settle', key, '--refund-id', elsewhere.id]);
        expect(notOfOrder.code).toBe(1);
        expect(notOfOrder.stderr).toMatch(
          new RegExp(`${elsewhere.id} is not a refund of order ${orderId}'s payment`),
        );
        const smaller = emulator.store.createRefund({ payment_intent: intentId, amount: '100' });
        const wrongAmount = await cli(['refunds:settle', key, '--refund-id', smaller.refund.id]);
        expect(wrongAmount.code).toBe(1);
        expect(wrongAmount.stderr).toMatch(/is of 1\.00 EUR, the booking of 3\.00 EUR/);
        expect(await bookingOf(orderId)).toMatchObject({ settled_at: null, refund_id: null });

        const settled = await cli(['refunds:settle', key, '--refund-id', made!.id]);
        expect(settled).toEqual({
          code: 0,
          stdout: `Refund booking ${key} (order ${orderId}, 3.00 EUR) is settled with ${made!.id}.\n`,
          stderr: '',
        });
        expect(await bookingOf(orderId)).toMatchObject({
          settled_at: expect.any(Date),
          refund_id: made!.id,
        });
        const again = await cli(['refunds:settle', key, '--refund-id', made!.id]);
        expect(again.code).toBe(1);
        expect(again.stderr).toMatch(/No unsettled refund booking has the key/);
        expect((await cli(['refunds:unsettled'])).stdout).not.toContain(key);
        expect(await refundRequested(orderId)).toBe(300);
      });

      test('refunds:take-back frees a booking Stripe made nothing for, so it can be refunded again; refused while young, or while Stripe has a refund named for it, which settles it even once failed', async () => {
        const { orderId, charge, admin, key } = await aBookingAnswered500(false);

        const young = await cli(['refunds:take-back', key]);
        expect(young.code).toBe(1);
        expect(young.stderr).toMatch(
          /Booked 0 minute\(s\) ago: the settlement job may still ask the provider for it; take it back once it is 1390 minutes old/,
        );
        // Still within the job's window, which may make the refund after the look.
        await ageBooking(orderId, PROVIDER_KEY_WINDOW_MS);
        const inWindow = await cli(['refunds:take-back', key]);
        expect(inWindow.code).toBe(1);
        expect(inWindow.stderr).toMatch(
          /Booked 1380 minute\(s\) ago: the settlement job may still/,
        );
        expect(await refundRequested(orderId)).toBe(300);

        await ageBooking(orderId, PROVIDER_KEY_WINDOW_MS + 60 * 60_000);
        const taken = await cli(['refunds:take-back', key]);
        expect(taken).toEqual({
          code: 0,
          stdout: `Refund booking ${key} (order ${orderId}, 3.00 EUR) is taken back; that amount may be refunded again.\n`,
          stderr: '',
        });
        expect(await bookingOf(orderId)).toBeUndefined();
        expect(await refundRequested(orderId)).toBe(0);
        const gone = await cli(['refunds:take-back', key]);
        expect(gone.code).toBe(1);
        expect(gone.stderr).toMatch(/No unsettled refund booking has the key/);
        expect((await withKey(admin, orderId, randomUUID(), eur(1000))).status).toBe(202);
        await emulator.idle();
        expect(charge().amount_refunded).toBe(1000);

        // Stripe made this one, though it answered 500: not taken back.
        const madeOne = await aBookingAnswered500(true);
        await ageBooking(madeOne.orderId, PROVIDER_KEY_WINDOW_MS + 60 * 60_000);
        const [made] = refundsAtStripe(madeOne.intentId);
        const refused = await cli(['refunds:take-back', madeOne.key]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          `made refund ${made!.id} (succeeded) for this booking: settle it with refunds:settle ${madeOne.key} --refund-id ${made!.id}`,
        );
        expect(await bookingOf(madeOne.orderId)).toMatchObject({ settled_at: null });
        expect(await refundRequested(madeOne.orderId)).toBe(300);

        // That refund failed since, and its event took it back: still the
        // booking's, so it settles it, and nothing comes off twice.
        emulator.failRefund(made!.id);
        await emulator.idle();
        expect(await refundRequested(madeOne.orderId)).toBe(0);
        const stillRefused = await cli(['refunds:take-back', madeOne.key]);
        expect(stillRefused.stderr).toContain(`made refund ${made!.id} (failed) for this booking`);
        expect(await cli(['refunds:settle', madeOne.key, '--refund-id', made!.id])).toMatchObject({
          code: 0,
        });
        expect(await bookingOf(madeOne.orderId)).toMatchObject({ refund_id: made!.id });
        expect(await refundRequested(madeOne.orderId)).toBe(0);
        expect((await withKey(admin, madeOne.orderId, randomUUID(), eur(1000))).status).toBe(202);
      });
    });
  });

  describe('a refund the bank fails after Stripe accepted it', () => {
    /**
     * A paid order with a refund of 10.00 that Stripe accepted (its
     * charge.refunded applied) and the bank then failed; the failure's
     * refund.failed event is held back, for the test to deliver as it likes.
     */
    async function aHeldRefundFailure() {
      const admin = await anAdmin(t);
      const { user, orderId } = await aPaidOrder();
      emulator.webhookUrl = mailbox.url;
      const first = await refund(admin, orderId, eur(1000));
      expect(first.status).toBe(202);
      await deliverHeld(mailbox.take('charge.refunded'));
      emulator.failRefund(first.body.refund.id);
      await emulator.idle();
      emulator.webhookUrl = apiWebhookUrl;
      mailbox.take('charge.refund.updated');
      return { user, orderId, failed: mailbox.take('refund.failed') };
    }

    test('its charge.refunded delivered after the failure does not count the failed refund again', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, charge } = await aPaidOrder();

      emulator.webhookUrl = mailbox.url; // Stripe cannot reach us for a while
      const first = await refund(admin, orderId, eur(1000));
      expect(first.status).toBe(202);
      emulator.failRefund(first.body.refund.id);
      await emulator.idle();
      emulator.webhookUrl = apiWebhookUrl;

      // Stripe's retries bring the failure first, the refund's own event last.
      expect(await deliverHeld(mailbox.take('refund.failed'))).toEqual(
        expect.objectContaining({ status: 'processed' }),
      );
      await deliverHeld(mailbox.take('charge.refund.updated'));
      const stale = mailbox.take('charge.refunded');
      expect(stale.data.object).toMatchObject({ amount_refunded: 1000 });
      await deliverHeld(stale);

      expect(charge().amount_refunded).toBe(0);
      const order = await orderOf(user, orderId);
      expect(order.amountRefunded.amount).toBe(0);
      expect(order.status).toBe('paid');
      expect(await refundRequested(orderId)).toBe(0);

      // A refund that does go through afterwards counts as usual.
      expect((await refund(admin, orderId, eur(500))).status).toBe(202);
      await emulator.idle();
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 500 },
      });
    });

    // Signed, so only a holder of the webhook secret can send these; real
    // Stripe refunds always have an id and a positive whole amount. Each
    // failed its insert into the ledger as a 500, retried for days.
    const malformed: [string, (refund: Record<string, unknown>) => Record<string, unknown>][] = [
      ['no id', ({ id: _id, ...rest }) => rest],
      ['an empty id', (r) => ({ ...r, id: '' })],
      ['an amount of 0', (r) => ({ ...r, amount: 0 })],
      ['a negative amount', (r) => ({ ...r, amount: -500 })],
      ['a fractional amount', (r) => ({ ...r, amount: 12.5 })],
      ['an amount in words', (r) => ({ ...r, amount: 'all of it' })],
      // Read unchecked, a currency naming none was taken for the order's.
      ['a currency that names none', (r) => ({ ...r, currency: 'e' })],
      ['a failure reason that is not text', (r) => ({ ...r, failure_reason: { code: 1 } })],
      ['a charge that is not an id', (r) => ({ ...r, charge: 42 })],
    ];
    test.each(malformed)(
      'a failed refund with %s is acknowledged as ignored and changes nothing',
      async (_name, change) => {
        const { user, orderId, failed } = await aHeldRefundFailure();
        const event = {
          ...failed,
          id: `evt_${randomUUID().replace(/-/g, '')}`,
          data: { object: change(failed.data.object as Record<string, unknown>) },
        };
        const res = await deliver(t, event, t.config.stripeWebhookSecret);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ status: 'ignored' });
        expect((await eventRow(event.id))?.last_error).toMatch(/^refund\.\w+ must be /);
        expect(await orderOf(user, orderId)).toMatchObject({
          status: 'partially_refunded',
          amountRefunded: { amount: 1000 },
        });
        expect(await refundRequested(orderId)).toBe(1000);
      },
    );

    // Nothing but Stripe's figure for the charge bounds what such an event
    // claims; a charge Stripe does not know gives none, and answering 404
    // had the event failed and redelivered for days.
    test('a failed refund naming a charge Stripe does not know → 200, recorded as ignored with why, nothing taken back', async () => {
      const { user, orderId, failed } = await aHeldRefundFailure();

      const unknown = {
        ...failed,
        id: `evt_${randomUUID().replace(/-/g, '')}`,
        data: { object: { ...(failed.data.object as Record<string, unknown>), charge: 'ch_nope' } },
      };
      const res = await deliver(t, unknown, t.config.stripeWebhookSecret);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ignored' });
      expect(await eventRow(unknown.id)).toEqual({
        status: 'ignored',
        last_error: 'charge ch_nope is unknown to the payment provider',
      });
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 1000 },
      });
      expect(await refundRequested(orderId)).toBe(1000);

      // Stripe's own event of the failure is still applied, once.
      expect(await deliverHeld(failed)).toMatchObject({ status: 'processed' });
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'paid',
        amountRefunded: { amount: 0 },
      });
    });

    test('charge.refunded naming a charge Stripe does not know, once a refund failed → 200, recorded as ignored, nothing counted', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, intentId } = await aPaidOrder();
      const first = await refund(admin, orderId, eur(1000));
      await emulator.idle();
      emulator.failRefund(first.body.refund.id);
      await emulator.idle();
      expect((await orderOf(user, orderId)).amountRefunded.amount).toBe(0);

      const unknown = aStripeEvent('charge.refunded', {
        ...chargeObject(intentId, 3000, 1000),
        id: 'ch_nope',
      });
      const res = await deliver(t, unknown, t.config.stripeWebhookSecret);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ignored' });
      expect(await eventRow(unknown.id)).toEqual({
        status: 'ignored',
        last_error: 'charge ch_nope is unknown to the payment provider',
      });
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'paid',
        amountRefunded: { amount: 0 },
      });
      expect(await refundRequested(orderId)).toBe(0);
    });

    test('a failed refund whose order is written each time Stripe was read → 409 payment-event-busy, recorded failed; the redelivery applies it once', async () => {
      const { user, orderId, failed } = await aHeldRefundFailure();

      // A burst of other writes to the order: each lands between Stripe's
      // answer and the lock, so each preparation is found stale.
      let writes = 0;
      gateway.afterChargeRead = async () => {
        writes++;
        await db.query('UPDATE orders SET status = status WHERE id = $1', [orderId]);
      };
      const busy = await deliver(t, failed, t.config.stripeWebhookSecret);
      expect(busy.status).toBe(409);
      expect(busy.headers['content-type']).toContain('application/problem+json');
      expect(busy.headers['retry-after']).toBe('5');
      expect(busy.body.type).toMatch(/\/payment-event-busy$/);
      expect(writes).toBe(3);
      expect(await eventRow(failed.id)).toEqual({
        status: 'failed',
        last_error: expect.stringMatching(/kept changing while it was prepared/),
      });
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 1000 },
      });

      // The burst is over: Stripe's redelivery applies it, once.
      gateway.afterChargeRead = undefined;
      expect(await deliverHeld(failed)).toMatchObject({ status: 'processed' });
      expect((await deliver(t, failed, t.config.stripeWebhookSecret)).body.status).toBe(
        'duplicate',
      );
      const order = await orderOf(user, orderId);
      expect(order).toMatchObject({ status: 'paid', amountRefunded: { amount: 0 } });
      expect(order.history.filter((h) => h.cause.startsWith('refund.failed'))).toHaveLength(1);
      expect(await refundRequested(orderId)).toBe(0);
    });

    test('a refund made in the dashboard after the failure still counts', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, intentId, charge } = await aPaidOrder();
      const first = await refund(admin, orderId, eur(1000));
      await emulator.idle();
      emulator.failRefund(first.body.refund.id);
      await emulator.idle();

      await (
        await t.get(StripeClient).get()
      ).refunds.create(
        { payment_intent: intentId, amount: 700 },
        { idempotencyKey: `dashboard-${intentId}` },
      );
      await emulator.idle();

      expect(charge().amount_refunded).toBe(700);
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 700 },
      });
      expect(await refundRequested(orderId)).toBe(700);
    });

    test('an order whose whole payment is being refunded (still paid until Stripe confirms) cannot be fulfilled: 409, unchanged', async () => {
      const admin = await anAdmin(t);
      const { user, orderId } = await aPaidOrder();
      emulator.webhookUrl = mailbox.url; // the confirmation is on its way
      const full = await refund(admin, orderId, {});
      expect(full.status).toBe(202);
      await emulator.idle();
      expect((await orderOf(user, orderId)).status).toBe('paid');

      const fulfil = await t.http.post(`/api/v1/admin/orders/${orderId}/fulfil`).set(admin.auth);

      expect(fulfil.status).toBe(409);
      expect(fulfil.headers['content-type']).toContain('application/problem+json');
      expect(fulfil.body.detail).toMatch(/refunded or asked back; it cannot be fulfilled/);
      expect((await orderOf(user, orderId)).status).toBe('paid');
    });

    test('a paid order part of whose payment is asked back cannot be fulfilled, confirmed or not: 409, unchanged', async () => {
      const admin = await anAdmin(t);
      const fulfil = (orderId: string) =>
        t.http.post(`/api/v1/admin/orders/${orderId}/fulfil`).set(admin.auth);

      // The refund's confirmation is on its way: the order is still paid.
      const inFlight = await aPaidOrder();
      emulator.webhookUrl = mailbox.url;
      expect((await refund(admin, inFlight.orderId, eur(1000))).status).toBe(202);
      await emulator.idle();
      expect((await orderOf(inFlight.user, inFlight.orderId)).status).toBe('paid');
      const refused = await fulfil(inFlight.orderId);
      expect(refused.status).toBe(409);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.type).toMatch(/order-partly-refunded$/);
      expect(refused.body.detail).toMatch(/Fulfil orders before refunding what did not ship/);
      expect((await orderOf(inFlight.user, inFlight.orderId)).status).toBe('paid');

      // Confirmed: partially_refunded, which no fulfil takes (API.md: paid → fulfilled).
      emulator.webhookUrl = apiWebhookUrl;
      const confirmed = await aPaidOrder();
      expect((await refund(admin, confirmed.orderId, eur(1000))).status).toBe(202);
      await emulator.idle();
      expect((await orderOf(confirmed.user, confirmed.orderId)).status).toBe('partially_refunded');
      const illegal = await fulfil(confirmed.orderId);
      expect(illegal.status).toBe(409);
      expect(illegal.body.type).toMatch(/order-illegal-transition$/);
    });

    test('a failed full refund moves a shipped order back to fulfilled, the cause in its history', async () => {
      const admin = await anAdmin(t);
      const { user, orderId } = await aPaidOrder();
      expect(
        (await t.http.post(`/api/v1/admin/orders/${orderId}/fulfil`).set(admin.auth)).status,
      ).toBe(200);
      const full = await refund(admin, orderId, {});
      expect(full.status).toBe(202);
      await emulator.idle();
      expect((await orderOf(user, orderId)).status).toBe('refunded');

      emulator.failRefund(full.body.refund.id);
      await emulator.idle();

      const order = await orderOf(user, orderId);
      expect(order.status).toBe('fulfilled');
      expect(order.amountRefunded.amount).toBe(0);
      expect(order.history.at(-1)).toMatchObject({
        from: 'refunded',
        to: 'fulfilled',
        cause: 'refund.failed: expired_or_canceled_card',
      });
      // Both of Stripe's events for the failure are applied, the move recorded once.
      expect(order.history.filter((h) => h.cause.startsWith('refund.failed'))).toHaveLength(1);

      // The money is still ours to give back.
      const again = await refund(admin, orderId, {});
      expect(again.status).toBe(202);
      expect(again.body.refund.amount).toEqual({ amount: 3000, currency: 'EUR' });
      await emulator.idle();
      expect((await orderOf(user, orderId)).status).toBe('refunded');
    });

    test('a failed full refund of an order never shipped moves it back to paid', async () => {
      const admin = await anAdmin(t);
      const { user, orderId } = await aPaidOrder();
      const full = await refund(admin, orderId, {});
      await emulator.idle();
      emulator.failRefund(full.body.refund.id);
      await emulator.idle();

      const order = await orderOf(user, orderId);
      expect(order.status).toBe('paid');
      expect(order.history.map((h) => h.to)).toEqual([
        'pending_payment',
        'paid',
        'refunded',
        'paid',
      ]);
    });

    test('a failed last refund moves a refunded order back to partially_refunded', async () => {
      const admin = await anAdmin(t);
      const { user, orderId } = await aPaidOrder();
      expect((await refund(admin, orderId, eur(1000))).status).toBe(202);
      await emulator.idle();
      const rest = await refund(admin, orderId, {});
      expect(rest.body.refund.amount).toEqual({ amount: 2000, currency: 'EUR' });
      await emulator.idle();
      expect((await orderOf(user, orderId)).status).toBe('refunded');

      emulator.failRefund(rest.body.refund.id);
      await emulator.idle();

      const order = await orderOf(user, orderId);
      expect(order).toMatchObject({
        status: 'partially_refunded',
        amountRefunded: { amount: 1000 },
      });
      expect(order.history.at(-1)).toMatchObject({ from: 'refunded', to: 'partially_refunded' });
      expect(await refundRequested(orderId)).toBe(1000);
    });

    test('Stripe is asked for the charge while no order row is locked', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, intentId } = await aPaidOrder();
      const first = await refund(admin, orderId, eur(1000));
      await emulator.idle();
      const events = emulator.failRefund(first.body.refund.id);
      await emulator.idle();

      const handled = await db.query<{ status: string }[]>(
        'SELECT status FROM payment_events WHERE id = ANY($1) ORDER BY type',
        [events.map((e) => e.id)],
      );
      expect(handled).toEqual([
        { status: 'processed' },
        { status: 'processed' },
        { status: 'processed' },
      ]);
      expect((await orderOf(user, orderId)).amountRefunded.amount).toBe(0);
      expect(callsUnderLockFor(intentId)).toEqual([]);
    });
  });

  describe('a refund Stripe cancels (it waited for the customer, cancelled or expired)', () => {
    // Stripe sends refund.updated for every refund, charge.refund.updated for
    // some payment methods only; no refund.failed, as the refund did not fail.
    test.each([
      ['refund.updated', 'charge.refund.updated'],
      ['charge.refund.updated', 'refund.updated'],
    ])(
      'is taken back once, by its %s (then %s changes nothing), and the order can be refunded again',
      async (first, second) => {
        const admin = await anAdmin(t);
        const { user, orderId, charge } = await aPaidOrder();
        const full = await refund(admin, orderId, {});
        expect(full.status).toBe(202);
        await emulator.idle();
        expect((await orderOf(user, orderId)).status).toBe('refunded');

        emulator.webhookUrl = mailbox.url;
        const events = emulator.cancelRefund(full.body.refund.id);
        expect(events.map((e) => e.type)).toEqual(['charge.refund.updated', 'refund.updated']);
        await emulator.idle();
        emulator.webhookUrl = apiWebhookUrl;
        expect(charge().amount_refunded).toBe(0);

        expect(await deliverHeld(mailbox.take(first))).toEqual(
          expect.objectContaining({ status: 'processed' }),
        );
        const taken = await orderOf(user, orderId);
        expect(taken).toMatchObject({ status: 'paid', amountRefunded: { amount: 0 } });
        expect(taken.history.at(-1)).toMatchObject({
          from: 'refunded',
          to: 'paid',
          cause: 'refund.canceled: merchant_request',
        });
        expect(await refundRequested(orderId)).toBe(0);

        expect(await deliverHeld(mailbox.take(second))).toEqual(
          expect.objectContaining({ status: 'processed' }),
        );
        const after = await orderOf(user, orderId);
        expect(after.history.filter((h) => h.cause.startsWith('refund.canceled'))).toHaveLength(1);
        expect(await refundRequested(orderId)).toBe(0);

        // The money is still ours to give back: a new refund, not the cancelled one replayed.
        const again = await refund(admin, orderId, {});
        expect(again.status).toBe(202);
        expect(again.body.refund.id).not.toBe(full.body.refund.id);
        expect(again.body.refund.amount).toEqual({ amount: 3000, currency: 'EUR' });
        await emulator.idle();
        expect(charge().amount_refunded).toBe(3000);
        expect(await orderOf(user, orderId)).toMatchObject({
          status: 'refunded',
          amountRefunded: { amount: 3000 },
        });
      },
    );
  });

  describe('a refund of the whole payment when part was refunded in the dashboard', () => {
    /** Refunds part of the charge as a person in the dashboard would; its event has not reached us. */
    const dashboardRefund = (intentId: string, amount: number) =>
      emulator.store.createRefund({ payment_intent: intentId, amount: String(amount) });

    test('POST /admin/orders/:id/refund without an amount refunds what is left on the charge', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, intentId, charge } = await aPaidOrder();
      dashboardRefund(intentId, 1000);

      const res = await refund(admin, orderId, {});
      expect(res.status).toBe(202);
      expect(res.body.refund.amount).toEqual({ amount: 2000, currency: 'EUR' });
      expect(charge().amount_refunded).toBe(3000);
      await emulator.idle();
      expect(await orderOf(user, orderId)).toMatchObject({
        status: 'refunded',
        amountRefunded: { amount: 3000 },
      });
      expect(await refundRequested(orderId)).toBe(3000);
      expect(callsUnderLockFor(intentId)).toEqual([]);
    });

    test('the rest refunded for a whole refund, its booking left unsettled, is found by the job under the booking: settled, not taken back', async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId } = await aPaidOrder();
      dashboardRefund(intentId, 1000);
      const res = await refund(admin, orderId, {});
      expect(res.status).toBe(202);
      const rest = res.body.refund.id as string;
      // As if the process had died before recording what Stripe answered.
      await db.query(
        'UPDATE refund_bookings SET settled_at = NULL, refund_id = NULL WHERE order_id = $1',
        [orderId],
      );

      // Asked again under the booking's key, Stripe refuses: nothing is left on the charge.
      await t
        .get(RefundSettlementService)
        .settleStale(new Date(Date.now() + SETTLE_AFTER_MS + 60_000));

      const [booking] = await db.query(
        'SELECT settled_at, refund_id FROM refund_bookings WHERE order_id = $1',
        [orderId],
      );
      expect(booking).toEqual({ settled_at: expect.any(Date), refund_id: rest });
      expect(await refundRequested(orderId)).toBe(3000);
    });

    test("that rest failing, its failure taken back by its event, is still the booking's: the job settles with it and takes nothing back twice", async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId } = await aPaidOrder();
      dashboardRefund(intentId, 1000);
      await emulator.idle();
      const whole = await refund(admin, orderId, {});
      expect(whole.status).toBe(202);
      const rest = whole.body.refund.id as string;
      await emulator.idle();
      await db.query(
        'UPDATE refund_bookings SET settled_at = NULL, refund_id = NULL WHERE order_id = $1',
        [orderId],
      );
      emulator.failRefund(rest);
      await emulator.idle(); // its refund.failed: the 20.00 taken back
      expect(await refundRequested(orderId)).toBe(1000);
      // Another refund, asked meanwhile, whose events have not reached us yet.
      emulator.webhookUrl = mailbox.url;
      expect((await refund(admin, orderId, eur(500))).status).toBe(202);
      await emulator.idle();
      expect(await refundRequested(orderId)).toBe(1500);

      await t
        .get(RefundSettlementService)
        .settleStale(new Date(Date.now() + SETTLE_AFTER_MS + 60_000));

      const [booking] = await db.query(
        'SELECT settled_at, refund_id FROM refund_bookings WHERE order_id = $1 AND refund_id = $2',
        [orderId, rest],
      );
      expect(booking).toEqual({ settled_at: expect.any(Date), refund_id: rest });
      // The failed 20.00 came off once, by its event; the 5.00 still counts.
      expect(await refundRequested(orderId)).toBe(1500);
    });

    test('an explicit amount over what is left on the charge is still refused, nothing booked', async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId, charge } = await aPaidOrder();
      dashboardRefund(intentId, 1000);

      const res = await refund(admin, orderId, eur(2500));
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(charge().amount_refunded).toBe(1000);
      expect(await refundRequested(orderId)).toBe(0);
    });

    test('a payment after cancellation, partly refunded in the dashboard → the rest is refunded, the event completes', async () => {
      const { user, orderId, intentId } = await aCancelledOrderStillPayable();

      // The customer pays; someone refunds part of it by hand before our handler runs.
      emulator.store.simulate(intentId, 'succeeded');
      dashboardRefund(intentId, 1200);
      const succeeded = aStripeEvent(
        'payment_intent.succeeded',
        structuredClone(emulator.store.retrieveIntent(intentId)) as unknown as Record<
          string,
          unknown
        >,
      );
      const ack = await deliver(t, succeeded, t.config.stripeWebhookSecret);
      expect(ack.status).toBe(200);
      await emulator.idle();

      const [event] = await db.query('SELECT status FROM payment_events WHERE id = $1', [
        succeeded.id,
      ]);
      expect(event).toEqual({ status: 'processed' });
      const intent = emulator.store.retrieveIntent(intentId);
      expect(emulator.store.retrieveCharge(intent.latest_charge ?? '').amount_refunded).toBe(3000);
      expect((await t.http.get(`/api/v1/orders/${orderId}`).set(user.auth)).body).toMatchObject({
        status: 'cancelled',
        reviewReason: 'paid_after_cancellation',
        amountPaid: { amount: 3000 },
        amountRefunded: { amount: 3000 },
      });
      expect(callsUnderLockFor(intentId)).toEqual([]);
    });
  });

  describe('a cancelled order holding a late payment whose automatic refund failed', () => {
    /**
     * An order of 30.00 EUR cancelled by expiry, then paid: the payment is
     * refunded automatically, and with `refundFails` the bank fails that
     * refund, so the cancelled order holds the money again.
     */
    async function aCancelledOrderPaidLate(refundFails: boolean) {
      const { user, orderId, intentId } = await aCancelledOrderStillPayable();
      emulator.simulate(intentId, 'succeeded');
      await emulator.idle();
      await emulator.idle(); // the automatic refund's charge.refunded, sent while the payment was handled
      const automatic = gateway.refunds.filter((r) => r.paymentIntentId === intentId);
      expect(automatic).toHaveLength(1);
      if (refundFails) {
        emulator.failRefund(automatic[0]!.id);
        await emulator.idle();
      }
      const order = await orderOf(user, orderId);
      expect(order).toMatchObject({
        status: 'cancelled',
        amountRefunded: { amount: refundFails ? 0 : 3000 },
      });
      const charge = () =>
        emulator.store.retrieveCharge(emulator.store.retrieveIntent(intentId).latest_charge ?? '');
      return { user, orderId, intentId, charge, history: order.history };
    }

    test('POST /admin/orders/:id/refund → 202 gives the money back, the order stays cancelled, its history unchanged', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, intentId, charge, history } = await aCancelledOrderPaidLate(true);
      expect(charge().amount_refunded).toBe(0);

      const res = await refund(admin, orderId, {});
      expect(res.status).toBe(202);
      expect(res.body.refund.amount).toEqual({ amount: 3000, currency: 'EUR' });
      expect(res.body.order.status).toBe('cancelled');
      await emulator.idle();

      expect(charge().amount_refunded).toBe(3000);
      const order = await orderOf(user, orderId);
      expect(order).toMatchObject({ status: 'cancelled', amountRefunded: { amount: 3000 } });
      expect(order.history).toEqual(history);
      expect(await refundRequested(orderId)).toBe(3000);
      expect(callsUnderLockFor(intentId)).toEqual([]);

      // Nothing is left to give back: as for any cancelled order without money.
      const again = await refund(admin, orderId, {});
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      expect(charge().amount_refunded).toBe(3000);
    });

    test('partial refunds follow the amount and Idempotency-Key rules of paid orders', async () => {
      const admin = await anAdmin(t);
      const { user, orderId, charge, history } = await aCancelledOrderPaidLate(true);
      const key = randomUUID();
      const withKey = (body: object) => refund(admin, orderId, body).set('Idempotency-Key', key);

      const first = await withKey(eur(1000));
      expect(first.status).toBe(202);
      const replay = await withKey(eur(1000));
      expect(replay.status).toBe(202);
      expect(replay.body.refund.id).toBe(first.body.refund.id);
      expect((await withKey(eur(1500))).status).toBe(422);
      await emulator.idle();
      expect(charge().amount_refunded).toBe(1000);

      const tooMuch = await refund(admin, orderId, eur(2001));
      expect(tooMuch.status).toBe(422);
      expect(tooMuch.headers['content-type']).toContain('application/problem+json');
      expect(await refundRequested(orderId)).toBe(1000);

      const rest = await refund(admin, orderId, {});
      expect(rest.status).toBe(202);
      expect(rest.body.refund.amount).toEqual({ amount: 2000, currency: 'EUR' });
      await emulator.idle();
      expect(charge().amount_refunded).toBe(3000);
      const order = await orderOf(user, orderId);
      expect(order).toMatchObject({ status: 'cancelled', amountRefunded: { amount: 3000 } });
      expect(order.history).toEqual(history);
    });

    test('a cancelled order whose late payment was refunded → 409, nothing asked of Stripe', async () => {
      const admin = await anAdmin(t);
      const { orderId, intentId, charge } = await aCancelledOrderPaidLate(false);
      const res = await refund(admin, orderId, eur(100));
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409 });
      expect(gateway.refunds.filter((r) => r.paymentIntentId === intentId)).toHaveLength(1);
      expect(charge().amount_refunded).toBe(3000);
      expect(await refundRequested(orderId)).toBe(3000);
    });

    test('a cancelled order never paid → 409, nothing booked', async () => {
      const admin = await anAdmin(t);
      const user = await aCustomer(t);
      const variant = await aVariant(t, { stock: 2 });
      await aCart(t, user, [{ variant, quantity: 1 }]);
      const orderId = (await checkout(t, user, randomUUID())).body.order.id as string;
      const cancelled = await t.http.post(`/api/v1/orders/${orderId}/cancel`).set(user.auth);
      expect(cancelled.status).toBe(200);

      const res = await refund(admin, orderId, {});
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(await refundRequested(orderId)).toBe(0);
      expect((await orderOf(user, orderId)).status).toBe('cancelled');
    });
  });
});
