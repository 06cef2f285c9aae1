import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentStateConflictError,
} from '@minishop/domain';
import { DataSource } from 'typeorm';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import type { StripeEmulator } from '../src/payments/emulator/stripe-emulator.js';
import {
  type CatchUpOptions,
  type CatchUpSummary,
  PaymentEventCatchUp,
  RUN_BUDGET_MS,
} from '../src/payments/payment-event-catch-up.js';
import { PaymentEventProcessor } from '../src/payments/payment-event-processor.service.js';
import {
  PaymentGateway,
  type RefundInput,
  type RefundRef,
  type UndeliveredEventsPage,
  type UndeliveredEventsQuery,
} from '../src/payments/payment-gateway.js';
import { CatchUpSweepRepository } from '../src/payments/persistence/catch-up-sweep.repository.js';
import { PaymentEventRepository } from '../src/payments/persistence/payment-event.repository.js';
import { CATCH_UP_LOCK } from '../src/payments/persistence/typeorm-catch-up-sweep.repository.js';
import { StripeClient } from '../src/payments/stripe/stripe-client.provider.js';
import { StripePaymentGateway } from '../src/payments/stripe/stripe-payment-gateway.js';
import type { PaymentEvent } from '../src/payments/stripe-event.js';
import { DelegatingGateway } from './support/delegating-gateway.js';
import { hostedEmulator, webhooksToThisApp } from './support/emulator.js';
import { waitFor } from './support/jobs-probe.js';
import { metricSample } from './support/metrics.js';
import {
  aPlacedOrder,
  aStripeEvent,
  cancelLeavingIntentPayable,
  deliver,
  intentObject,
  type PlacedOrder,
} from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { anAdmin } from './support/users.js';

const SECRET = 'whsec_webhook_deliveries_test';

/**
 * The real gateway (against the emulator), counting refund calls. While
 * `gate` is set, a refund waits for it before reaching Stripe, so a test can
 * hold one delivery inside its provider call; `refusal` makes Stripe refuse
 * the calls made while it is set, held at the gate or not.
 */
class CountingGateway extends DelegatingGateway {
  refundCalls: RefundInput[] = [];
  gate: Promise<void> | undefined;
  refusal: Error | undefined;
  /** Answers `undeliveredEvents` in place of the provider while set. */
  listing: ((query: UndeliveredEventsQuery) => Promise<UndeliveredEventsPage>) | undefined;
  /** Every query `undeliveredEvents` was asked. */
  listings: UndeliveredEventsQuery[] = [];

  override undeliveredEvents(query: UndeliveredEventsQuery): Promise<UndeliveredEventsPage> {
    this.listings.push(query);
    return this.listing ? this.listing(query) : this.real.undeliveredEvents(query);
  }

  override async refund(input: RefundInput): Promise<RefundRef> {
    this.refundCalls.push(input);
    const refusal = this.refusal;
    if (this.gate) await this.gate;
    if (refusal) throw refusal;
    return this.real.refund(input);
  }
}

/** Waits (at most 15 s: a slow machine's deliveries take seconds) until `condition` holds. */
const until = (condition: () => boolean | Promise<boolean>, what: string) =>
  waitFor(async () => ((await condition()) ? true : undefined), what, 15_000);

/** Stores `event` as claimed by a delivery still at work (or a process that died). */
const storeHeldEvent = (db: DataSource, event: { id: string; type: string }, objectId: string) =>
  db.query(
    `INSERT INTO payment_events (id, type, object_id, payload, event_created_at, claim_token, claimed_until)
     VALUES ($1, $2, $3, $4, now(), gen_random_uuid(), now() + interval '1 hour')`,
    [event.id, event.type, objectId, JSON.stringify(event)],
  );

describe('Stripe webhook deliveries', () => {
  let t: TestApp;
  let db: DataSource;
  let emulator: StripeEmulator;
  let gateway: CountingGateway;

  beforeAll(async () => {
    t = await startTestApp({
      env: { STRIPE_WEBHOOK_SECRET: SECRET },
      override: (b) =>
        b.overrideProvider(PaymentGateway).useFactory({
          factory: (stripe: StripeClient) => new CountingGateway(new StripePaymentGateway(stripe)),
          inject: [StripeClient],
        }),
    });
    db = t.get(DataSource);
    gateway = t.get(PaymentGateway) as CountingGateway;
    emulator = hostedEmulator(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * An order the customer cancelled while its intent stayed payable (as when
   * the provider call to cancel it fails), then paid: the succeeded event of
   * a late payment.
   */
  async function aLatePayment(): Promise<{ placed: PlacedOrder; event: { id: string } }> {
    const placed = await aPlacedOrder(t, 1, 2500);
    await cancelLeavingIntentPayable(t, placed);
    emulator.store.simulate(placed.intentId, 'succeeded');
    const intent = structuredClone(emulator.store.retrieveIntent(placed.intentId));
    const event = aStripeEvent(
      'payment_intent.succeeded',
      intent as unknown as Record<string, unknown>,
    );
    return { placed, event };
  }

  const orderRow = async (id: string) =>
    (
      await db.query(
        `SELECT status, amount_paid::int AS "amountPaid", refund_requested::int AS "refundRequested",
                amount_refunded::int AS "amountRefunded", review_reason AS "reviewReason",
                (SELECT count(*)::int FROM order_status_history h WHERE h.order_id = o.id) AS "historyRows"
           FROM orders o WHERE id = $1`,
        [id],
      )
    )[0];
  const eventRow = async (id: string) =>
    (await db.query(`SELECT status, attempts FROM payment_events WHERE id = $1`, [id]))[0];
  const arrivalOf = async (id: string) =>
    (
      (await db.query(`SELECT arrived_via FROM payment_events WHERE id = $1`, [id])) as {
        arrived_via: string;
      }[]
    )[0]?.arrived_via;

  test('the same late payment delivered twice at once → Stripe is asked for its refund once, the payment booked once', async () => {
    const { placed, event } = await aLatePayment();
    const before = gateway.refundCalls.length;
    let release!: () => void;
    gateway.gate = new Promise((resolve) => (release = resolve));
    try {
      const first = deliver(t, event, SECRET).then((r) => r);
      await until(() => gateway.refundCalls.length > before, 'the first delivery to ask Stripe');
      // Refused for the held call only: cleared once the first delivery's
      // failure was awaited, a second call made before that moment (on a busy
      // machine) met the refusal too.
      gateway.refusal = undefined;
      const second = deliver(t, event, SECRET).then((r) => r);
      // Time for the second delivery to reach the event while the first is
      // held inside its refund: without a claim, it would ask Stripe too.
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      const [a, b] = await Promise.all([first, second]);

      expect(gateway.refundCalls.length - before).toBe(1);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body.status).toBe('processed');
      // It waited for the first delivery and acknowledges the event it applied.
      expect(b.body.status).toBe('duplicate');
    } finally {
      gateway.gate = undefined;
      release();
    }
    expect(await orderRow(placed.orderId)).toMatchObject({
      status: 'cancelled',
      amountPaid: 2500,
      refundRequested: 2500,
      reviewReason: 'paid_after_cancellation',
      historyRows: 2,
    });
    expect(await eventRow(event.id)).toEqual({ status: 'processed', attempts: 1 });

    // Stripe's retry of the delivery it was refused finds the event handled.
    const retry = await deliver(t, event, SECRET);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('duplicate');
    expect(gateway.refundCalls.length - before).toBe(1);
  });

  test('a late payment whose refund Stripe refuses → 200, the money held for an admin, listed under review and refundable', async () => {
    const admin = await anAdmin(t);
    const { placed, event } = await aLatePayment();
    gateway.refusal = new PaymentStateConflictError(
      'This charge is disputed and cannot be refunded',
      'charge_disputed',
    );
    try {
      const res = await deliver(t, event, SECRET);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('processed');
    } finally {
      gateway.refusal = undefined;
    }
    expect(await eventRow(event.id)).toEqual({ status: 'processed', attempts: 1 });
    expect(await orderRow(placed.orderId)).toMatchObject({
      status: 'cancelled',
      amountPaid: 2500,
      refundRequested: 0,
      amountRefunded: 0,
      reviewReason: 'late_payment_refund_refused: charge_disputed',
    });

    const listed = await t.http
      .get('/api/v1/admin/orders?underReview=true&limit=100')
      .set(admin.auth);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: { id: string }) => o.id)).toContain(placed.orderId);

    // A redelivery changes nothing and asks Stripe nothing more.
    const calls = gateway.refundCalls.length;
    expect((await deliver(t, event, SECRET)).body.status).toBe('duplicate');
    expect(gateway.refundCalls.length).toBe(calls);

    // Once the dispute is settled, the admin refunds the order from the list.
    const refund = await t.http
      .post(`/api/v1/admin/orders/${placed.orderId}/refund`)
      .set(admin.auth)
      .send({});
    expect(refund.status).toBe(202);
    expect(refund.body.refund.amount).toEqual({ amount: 2500, currency: 'EUR' });
    expect(await orderRow(placed.orderId)).toMatchObject({
      status: 'cancelled',
      refundRequested: 2500,
    });
    const after = await t.http
      .get('/api/v1/admin/orders?underReview=true&limit=100')
      .set(admin.auth);
    expect(after.body.items.map((o: { id: string }) => o.id)).not.toContain(placed.orderId);
  });

  test('an event another delivery holds → the duplicate waits, then 409 for Stripe to retry; once that holder’s lease runs out, the retry applies it', async () => {
    const placed = await aPlacedOrder(t, 1, 1800);
    const event = aStripeEvent('payment_intent.succeeded', intentObject(placed.intentId, 1800));
    await storeHeldEvent(db, event, placed.intentId);

    const started = Date.now();
    const busy = await deliver(t, event, SECRET);
    expect(busy.status).toBe(409);
    expect(busy.headers['content-type']).toContain('application/problem+json');
    expect(busy.body.type).toMatch(/event-in-progress$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(await orderRow(placed.orderId)).toMatchObject({ status: 'pending_payment' });
    expect(await eventRow(event.id)).toEqual({ status: 'pending', attempts: 0 });

    // The holder died: its lease runs out and Stripe's retry takes the event over.
    await db.query(
      `UPDATE payment_events SET claimed_until = now() - interval '1 second' WHERE id = $1`,
      [event.id],
    );
    const retry = await deliver(t, event, SECRET);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('processed');
    expect(await orderRow(placed.orderId)).toMatchObject({ status: 'paid', amountPaid: 1800 });
    expect(await eventRow(event.id)).toEqual({ status: 'processed', attempts: 1 });
  });

  test('a delivery whose handling fails lets a duplicate waiting for it take the event over', async () => {
    const { placed, event } = await aLatePayment();
    const before = gateway.refundCalls.length;
    let release!: () => void;
    gateway.gate = new Promise((resolve) => (release = resolve));
    // The first delivery's refund meets Stripe unreachable; the second one,
    // waiting meanwhile, finds the event failed and free, and applies it.
    gateway.refusal = new PaymentProviderError('Stripe is unreachable', 'unreachable');
    try {
      const first = deliver(t, event, SECRET).then((r) => r);
      await until(() => gateway.refundCalls.length > before, 'the first delivery to ask Stripe');
      // Refused for the held call only: cleared once the first delivery's
      // failure was awaited, a second call made before that moment (on a busy
      // machine) met the refusal too.
      gateway.refusal = undefined;
      const second = deliver(t, event, SECRET).then((r) => r);
      await new Promise((resolve) => setTimeout(resolve, 300));
      gateway.gate = undefined;
      release();
      const failed = await first;
      expect(failed.status).toBe(503);
      // Only now may the second delivery, waiting, reach Stripe.
      const applied = await second;
      expect(applied.status).toBe(200);
      expect(applied.body.status).toBe('processed');
    } finally {
      gateway.gate = undefined;
      gateway.refusal = undefined;
      release();
    }
    expect(gateway.refundCalls.length - before).toBe(2);
    expect(await orderRow(placed.orderId)).toMatchObject({
      status: 'cancelled',
      amountPaid: 2500,
      refundRequested: 2500,
      reviewReason: 'paid_after_cancellation',
    });
    expect(await eventRow(event.id)).toEqual({ status: 'processed', attempts: 2 });
  });

  describe('catching up on events the webhook missed', () => {
    /** One run, which finds no other at work. */
    async function runCatchUp(options: CatchUpOptions = {}): Promise<CatchUpSummary> {
      const summary = await t.get(PaymentEventCatchUp).catchUp(options);
      if (summary === null) throw new Error('another catch-up run was at work');
      return summary;
    }

    /** Runs `work` with the emulator's webhooks failing: nothing listens on the discard port. */
    async function withWebhooksFailing<T>(work: () => Promise<T>): Promise<T> {
      const url = emulator.webhookUrl;
      emulator.webhookUrl = 'http://127.0.0.1:9/webhooks/stripe';
      try {
        return await work();
      } finally {
        emulator.webhookUrl = url;
      }
    }

    test('a payment whose webhook never came is taken in: the order is paid once, and a second run knows the event', async () => {
      await withWebhooksFailing(async () => {
        const placed = await aPlacedOrder(t, 1, 2500);
        const event = emulator.simulate(placed.intentId, 'succeeded');

        // Under two minutes old, it is left to its webhook, still being tried.
        await runCatchUp();
        expect(await orderRow(placed.orderId)).toMatchObject({ status: 'pending_payment' });
        expect(await eventRow(event.id)).toBeUndefined();

        const first = await runCatchUp({ settleSeconds: 0 });
        expect(first.takenIn).toBeGreaterThanOrEqual(1);
        // Told apart from webhook deliveries: the endpoint missed it.
        expect(await arrivalOf(event.id)).toBe('catch-up');
        const paid = await orderRow(placed.orderId);
        expect(paid).toMatchObject({ status: 'paid', amountPaid: 2500 });
        expect(await eventRow(event.id)).toEqual({ status: 'processed', attempts: 1 });

        // Still undelivered at the provider, so listed again: known by its id.
        const second = await runCatchUp({ settleSeconds: 0 });
        expect(second.takenIn).toBe(0);
        expect(second.known).toBeGreaterThanOrEqual(1);
        expect(await orderRow(placed.orderId)).toEqual(paid);
        expect(await eventRow(event.id)).toEqual({ status: 'processed', attempts: 1 });
      });
    });

    test('only the event types the shop acts on are asked for: others are neither listed nor stored', async () => {
      await withWebhooksFailing(async () => {
        const placed = await aPlacedOrder(t, 1, 2700);
        // Sent to an endpoint of the account that asked for every type.
        const created = emulator.announceIntent(placed.intentId);
        const succeeded = emulator.simulate(placed.intentId, 'succeeded');
        gateway.listings = [];

        await runCatchUp({ settleSeconds: 0 });
        expect(gateway.listings.length).toBeGreaterThanOrEqual(1);
        for (const query of gateway.listings) {
          expect([...query.types].sort()).toEqual([
            'charge.dispute.closed',
            'charge.dispute.created',
            'charge.refund.updated',
            'charge.refunded',
            'payment_intent.canceled',
            'payment_intent.payment_failed',
            'payment_intent.succeeded',
            'refund.failed',
            'refund.updated',
          ]);
        }
        expect(await orderRow(placed.orderId)).toMatchObject({ status: 'paid', amountPaid: 2700 });
        expect(await eventRow(succeeded.id)).toEqual({ status: 'processed', attempts: 1 });
        expect(await eventRow(created.id)).toBeUndefined();
      });
    });

    test('every page is read, and what is not an event is counted failed, not applied', async () => {
      const real = new StripePaymentGateway(t.get(StripeClient));
      const pages: (string | undefined)[] = [];
      // One event a page, paged by the provider itself; the first page also
      // carries something that is no event.
      gateway.listing = async (query) => {
        pages.push(query.startingAfter);
        const page = await real.undeliveredEvents(query);
        const junk = query.startingAfter
          ? []
          : [{ id: 'evt_junk', type: 'payment_intent.succeeded' }];
        return {
          events: [...junk, ...page.events.slice(0, 1)],
          hasMore: page.hasMore || page.events.length > 1,
        };
      };
      try {
        await withWebhooksFailing(async () => {
          const orders = [];
          for (const price of [1100, 1200, 1300]) {
            const placed = await aPlacedOrder(t, 1, price);
            emulator.simulate(placed.intentId, 'succeeded');
            orders.push({ placed, price });
          }

          const summary = await runCatchUp({ settleSeconds: 0 });
          expect(pages.length).toBeGreaterThanOrEqual(3);
          expect(summary.failed).toBeGreaterThanOrEqual(1);
          for (const { placed, price } of orders) {
            expect(await orderRow(placed.orderId)).toMatchObject({
              status: 'paid',
              amountPaid: price,
            });
          }
          expect(await eventRow('evt_junk')).toBeUndefined();
        });
      } finally {
        gateway.listing = undefined;
      }
    });
    describe('one run at a time, bounded whatever the backlog', () => {
      /** Payments whose webhook never came, oldest first, and their orders. */
      async function missedPayments(prices: number[]) {
        return withWebhooksFailing(async () => {
          const missed = [];
          for (const price of prices) {
            const placed = await aPlacedOrder(t, 1, price);
            missed.push({ placed, price, event: emulator.simulate(placed.intentId, 'succeeded') });
          }
          return missed;
        });
      }

      /**
       * Lists `events` (newest first) as the provider would, `perPage` to a
       * page, and nothing else the emulator holds from other tests.
       */
      const listingOf =
        (events: { id: string }[], perPage: number) =>
        async (query: UndeliveredEventsQuery): Promise<UndeliveredEventsPage> => {
          const from = query.startingAfter
            ? events.findIndex((e) => e.id === query.startingAfter) + 1
            : 0;
          if (from === 0 && query.startingAfter) {
            throw new PaymentNotFoundError(`No such event: '${query.startingAfter}'`);
          }
          return {
            events: events.slice(from, from + perPage),
            hasMore: from + perPage < events.length,
          };
        };

      /** Sessions holding the lock of a catch-up run (an advisory key fits in objid). */
      const heldCatchUpLocks = async () =>
        (
          (await db.query(
            `SELECT count(*)::int AS n FROM pg_locks
              WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1`,
            [CATCH_UP_LOCK],
          )) as { n: number }[]
        )[0]!.n;

      afterEach(async () => {
        gateway.listing = undefined;
        await t.get(CatchUpSweepRepository).saveResumeAfter(null);
      });

      test('a run takes in at most its limit, the oldest first; the next run takes in the rest', async () => {
        const missed = await missedPayments([3100, 3200, 3300]);
        gateway.listing = listingOf(missed.map((m) => m.event).reverse(), 100);

        const first = await runCatchUp({ settleSeconds: 0, maxTakenIn: 2 });
        expect(first).toMatchObject({ listed: 3, takenIn: 2, known: 0, more: true });
        expect(await eventRow(missed[0]!.event.id)).toEqual({ status: 'processed', attempts: 1 });
        expect(await eventRow(missed[1]!.event.id)).toEqual({ status: 'processed', attempts: 1 });
        expect(await eventRow(missed[2]!.event.id)).toBeUndefined();

        const second = await runCatchUp({ settleSeconds: 0, maxTakenIn: 2 });
        expect(second).toMatchObject({ listed: 3, takenIn: 1, known: 2, more: false });
        for (const { placed, price } of missed) {
          expect(await orderRow(placed.orderId)).toMatchObject({
            status: 'paid',
            amountPaid: price,
          });
        }
      });

      test('a run reads at most its pages; the next goes on after the last event it listed, and the one that reaches the end starts again from the newest', async () => {
        const missed = await missedPayments([3400, 3500, 3600]);
        const newestFirst = missed.map((m) => m.event).reverse();
        gateway.listing = listingOf(newestFirst, 1);
        const run = async () => {
          gateway.listings = [];
          const summary = await runCatchUp({ settleSeconds: 0, maxPages: 2 });
          return { summary, startingAfter: gateway.listings.map((q) => q.startingAfter) };
        };

        const first = await run();
        expect(first).toEqual({
          summary: { listed: 2, takenIn: 2, known: 0, failed: 0, more: true },
          startingAfter: [undefined, newestFirst[0]!.id],
        });
        expect(await eventRow(missed[0]!.event.id)).toBeUndefined();

        const second = await run();
        expect(second).toEqual({
          summary: { listed: 1, takenIn: 1, known: 0, failed: 0, more: false },
          startingAfter: [newestFirst[1]!.id],
        });
        for (const { placed, price } of missed) {
          expect(await orderRow(placed.orderId)).toMatchObject({
            status: 'paid',
            amountPaid: price,
          });
        }

        const third = await run();
        expect(third).toEqual({
          summary: { listed: 2, takenIn: 0, known: 2, failed: 0, more: true },
          startingAfter: [undefined, newestFirst[0]!.id],
        });
      });

      test('a sweep stopped after an event the provider no longer knows starts again from the newest', async () => {
        const [missed] = await missedPayments([3700]);
        // The emulator answers a page after an unknown event as Stripe does: 400 resource_missing.
        await t.get(CatchUpSweepRepository).saveResumeAfter('evt_forgotten');

        const summary = await runCatchUp({ settleSeconds: 0 });
        expect(summary.takenIn).toBeGreaterThanOrEqual(1);
        expect(summary.more).toBe(false);
        expect(await orderRow(missed!.placed.orderId)).toMatchObject({ status: 'paid' });
        expect(await t.get(CatchUpSweepRepository).resumeAfter()).toBeNull();
      });

      test('past its time budget a run takes nothing more in, and says more are left', async () => {
        const [missed] = await missedPayments([3800]);
        gateway.listing = listingOf([missed!.event], 100);

        const cut = await runCatchUp({ settleSeconds: 0, budgetMs: 0 });
        expect(cut).toMatchObject({ listed: 1, takenIn: 0, more: true });
        expect(await eventRow(missed!.event.id)).toBeUndefined();

        const next = await runCatchUp({ settleSeconds: 0 });
        expect(next).toMatchObject({ listed: 1, takenIn: 1, more: false });
      });

      test('two runs at once: the second leaves the work to the first, which takes the event in once', async () => {
        const [missed] = await missedPayments([4100]);
        const listing = listingOf([missed!.event], 100);
        let listed!: () => void;
        const firstListing = new Promise<void>((resolve) => (listed = resolve));
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let calls = 0;
        // The first run is held inside its listing: still at work.
        gateway.listing = async (query) => {
          if (calls++ === 0) {
            listed();
            await held;
          }
          return listing(query);
        };

        const first = t.get(PaymentEventCatchUp).catchUp({ settleSeconds: 0 });
        await firstListing;
        expect(await t.get(PaymentEventCatchUp).catchUp({ settleSeconds: 0 })).toBeNull();
        expect(calls).toBe(1);
        release();
        expect(await first).toMatchObject({ listed: 1, takenIn: 1 });
        expect(await eventRow(missed!.event.id)).toEqual({ status: 'processed', attempts: 1 });
      });

      test('a run that fails lets the next one run', async () => {
        gateway.listing = () =>
          Promise.reject(
            new PaymentProviderError('The payment provider is unreachable', 'unreachable'),
          );
        await expect(
          t.get(PaymentEventCatchUp).catchUp({ settleSeconds: 0 }),
        ).rejects.toBeInstanceOf(PaymentProviderError);
        expect(await heldCatchUpLocks()).toBe(0);
        gateway.listing = listingOf([], 100);
        expect(await runCatchUp({ settleSeconds: 0 })).toMatchObject({ listed: 0, more: false });
        expect(await heldCatchUpLocks()).toBe(0);
      });

      test("the job's queue takes a run for dead only past its worst case: its time budget, then the lease of the event it was taking in", async () => {
        const [queue] = (await db.query(
          `SELECT expire_seconds AS "expireSeconds" FROM pgboss.queue WHERE name = 'payments.catch-up-events'`,
        )) as { expireSeconds: number }[];
        expect(queue!.expireSeconds * 1000).toBeGreaterThan(
          RUN_BUDGET_MS + t.config.paymentEvents.leaseMs,
        );
      });

      test('settledness is asked with one array parameter, however many ids: PostgreSQL takes at most 65,535 parameters', async () => {
        const [missed] = await missedPayments([3900]);
        gateway.listing = listingOf([missed!.event], 100);
        await runCatchUp({ settleSeconds: 0 });

        const ids = Array.from({ length: 70_000 }, (_, i) => `evt_never_${i}`);
        ids.push(missed!.event.id);
        const settled = await t.get(PaymentEventRepository).settledIds(ids);
        expect([...settled]).toEqual([missed!.event.id]);
      });
    });
  });

  describe('a lease that ran out under a slow holder', () => {
    /** A stored event whose first holder's lease ran out and a second delivery took over. */
    async function takenOver() {
      const events = t.get(PaymentEventRepository);
      const event = aStripeEvent('customer.created', {
        id: 'cus_lease',
      }) as unknown as PaymentEvent;
      await events.recordIfNew(event, 'webhook');
      const first = await events.claim(event.id, ['pending'], 60_000);
      await db.query(
        `UPDATE payment_events SET claimed_until = now() - interval '1 second' WHERE id = $1`,
        [event.id],
      );
      const second = await events.claim(event.id, ['pending'], 60_000);
      if (first.kind !== 'claimed' || second.kind !== 'claimed') throw new Error('not claimed');
      return { events, event, first, second };
    }
    const leaseOf = async (id: string) =>
      (await db.query(`SELECT claim_token AS token FROM payment_events WHERE id = $1`, [id]))[0]
        ?.token as string | null;

    test('the first holder, handling or releasing it late, leaves the second one its lease', async () => {
      const { events, event, first, second } = await takenOver();
      await t
        .get(TransactionRunner)
        .run((m) => events.markHandled(event.id, 'deferred', first.token, m));
      await events.release(event.id, first.token);
      expect(await leaseOf(event.id)).toBe(second.token);
      await events.release(event.id, second.token);
      expect(await leaseOf(event.id)).toBeNull();
    });

    test('a delivery that finds another transaction handling the event gives its lease back', async () => {
      const { event } = await aLatePayment();
      await t.get(PaymentEventRepository).recordIfNew(event as unknown as PaymentEvent, 'webhook');
      const before = gateway.refundCalls.length;
      let release!: () => void;
      gateway.gate = new Promise((resolve) => (release = resolve));
      const holder = db.createQueryRunner();
      try {
        // This delivery holds the lease and waits in its refund call...
        const applying = t.get(PaymentEventProcessor).apply(event.id, ['pending']);
        await until(() => gateway.refundCalls.length > before, 'the refund call');
        // ...while a holder whose lease ran out has the event's row.
        await holder.startTransaction();
        await holder.query('SELECT 1 FROM payment_events WHERE id = $1 FOR UPDATE', [event.id]);
        release();
        // It finds the row taken and gives its lease back, once that holder
        // is done with the row: here, when its transaction rolls back.
        await until(
          async () =>
            (
              await db.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE payment_events SET claim_token = NULL%'`,
              )
            )[0].n === 1,
          'the lease to be given back',
        );
        await holder.rollbackTransaction();
        expect(await applying).toBeNull();
        // Were it kept, Stripe's redeliveries would get 409 until it ran out.
        expect(await leaseOf(event.id)).toBeNull();
      } finally {
        release();
        gateway.gate = undefined;
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
    });
  });
});

describe('GET /metrics: events the catch-up took in', () => {
  let api: TestApp;
  let worker: TestApp;
  let emulator: StripeEmulator;

  beforeAll(async () => {
    api = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: SECRET } });
    ({ emulator } = await webhooksToThisApp(api));
    // The worker of the documented deployment: the API's database and
    // Stripe, and a registry of its own that nobody scrapes.
    worker = await startTestApp({
      database: api.db,
      env: {
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_EMULATOR_PORT: String(emulator.port),
        RUN_WORKER: 'off',
      },
    });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  test('the API counts from the database what the worker took in, by type and status; a webhook delivery is not counted there', async () => {
    const paid = await aPlacedOrder(api, 1, 2100);
    const delivered = emulator.simulate(paid.intentId, 'succeeded');
    await expect(emulator.delivery(delivered.id)).resolves.toMatchObject({ delivered: true });

    const reachable = emulator.webhookUrl;
    emulator.webhookUrl = 'http://127.0.0.1:9/webhooks/stripe';
    try {
      const paidUnheard = await aPlacedOrder(api, 1, 2200);
      emulator.simulate(paidUnheard.intentId, 'succeeded');
      const summary = await worker.get(PaymentEventCatchUp).catchUp({ settleSeconds: 0 });
      expect(summary).toMatchObject({ takenIn: 1 });
    } finally {
      emulator.webhookUrl = reachable;
    }

    const text = (await api.http.get('/metrics').expect(200)).text;
    expect(text).toMatch(/# TYPE minishop_payment_events_caught_up gauge/);
    expect(
      metricSample(text, 'minishop_payment_events_caught_up', {
        type: 'payment_intent.succeeded',
        status: 'processed',
      }),
    ).toBe(1);
    expect(
      metricSample(text, 'minishop_webhook_events_total', {
        type: 'payment_intent.succeeded',
        outcome: 'processed',
      }),
    ).toBe(1);
  });
});

describe('Stripe webhook deliveries with PAYMENT_EVENT_LEASE_MS and PAYMENT_EVENT_WAIT_MS set', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        STRIPE_WEBHOOK_SECRET: SECRET,
        PAYMENT_EVENT_LEASE_MS: '20000',
        PAYMENT_EVENT_WAIT_MS: '200',
      },
    });
    db = t.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('an event another delivery holds → 409 after the 200 ms wait, not the default 5 s', async () => {
    const placed = await aPlacedOrder(t, 1, 1700);
    const event = aStripeEvent('payment_intent.succeeded', intentObject(placed.intentId, 1700));
    await storeHeldEvent(db, event, placed.intentId);
    const started = Date.now();
    const busy = await deliver(t, event, SECRET);
    const waited = Date.now() - started;
    expect(busy.status).toBe(409);
    expect(busy.body.type).toMatch(/event-in-progress$/);
    expect(waited).toBeGreaterThanOrEqual(200);
    // Short of the default's 5 s, with room for a slow machine's delivery.
    expect(waited).toBeLessThan(5_000);
  });

  test('a delivery holds the event it handles for the 20 s lease, not the default 5 minutes', async () => {
    const placed = await aPlacedOrder(t, 1, 1900);
    const event = aStripeEvent('payment_intent.succeeded', intentObject(placed.intentId, 1900));
    // The order's row held elsewhere keeps the delivery inside its handling,
    // with the event claimed.
    const holder = db.createQueryRunner();
    try {
      await holder.startTransaction();
      await holder.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [placed.orderId]);
      const delivery = deliver(t, event, SECRET).then((r) => r);
      const leaseSeconds = await waitFor(
        async () =>
          (
            await db.query(
              `SELECT extract(epoch FROM claimed_until - now())::float AS s
                 FROM payment_events WHERE id = $1 AND claim_token IS NOT NULL`,
              [event.id],
            )
          )[0]?.s as number | undefined,
        'the delivery to claim the event',
        5_000,
      );
      expect(leaseSeconds).toBeGreaterThan(10);
      expect(leaseSeconds).toBeLessThanOrEqual(20);
      await holder.rollbackTransaction();
      const res = await delivery;
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('processed');
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });
});
