import {
  bookForeignLatePayment,
  bookLatePayment,
  isUuid,
  type LatePaymentRefund,
  ledgerOf,
  Money,
  PaymentStateConflictError,
  recordPaymentFailure,
  refundRefusalReason,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import {
  PaymentEventHandler,
  type PaymentEventOutcome,
  StalePreparationError,
  UnusablePaymentEventError,
} from '../payments/payment-event-handler.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import {
  isDisputeEvent,
  isRefundEvent,
  type PaymentEvent,
  paymentEventDefect,
} from '../payments/stripe-event.js';
import { awaitsPayment, nothingBooked, type PaymentFollowUp } from './awaited-payment.js';
import { DisputeEvents } from './dispute-events.js';
import { IntentCancellation } from './intent-cancellation.js';
import { OrderRepository, type OrderSnapshot, type OrderState } from './order.repository.js';
import { RESERVATION_EXPIRED } from './order-expiry.service.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { type ChargeObject, type ChargeReading, RefundEvents } from './refund-events.js';
import { refundWhole } from './whole-refund.js';

interface IntentObject {
  id?: unknown;
  amount?: unknown;
  amount_received?: unknown;
  currency?: unknown;
  metadata?: { orderId?: unknown } | null;
  last_payment_error?: { code?: unknown; message?: unknown } | null;
}

/** The refund of a payment that came after its order was cancelled, asked in `prepare`. */
interface LatePaymentPrepared {
  kind: 'late-payment';
  refund: LatePaymentRefund;
}

type Prepared = ChargeReading | LatePaymentPrepared;

const LATE_PAYMENT_LOG: Record<LatePaymentRefund['outcome'], (order: string, n: string) => string> =
  {
    requested: (o, n) =>
      `Order ${o} was paid after cancellation; refund of what is left of ${n} requested`,
    already_refunded: (o) => `Order ${o} was paid after cancellation; already refunded`,
    refused: (o, n) =>
      `Order ${o} was paid after cancellation; the refund of ${n} was refused, held for an admin`,
  };

const isAlreadyRefunded = (error: unknown): boolean =>
  error instanceof PaymentStateConflictError && error.providerCode === 'charge_already_refunded';
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined =>
  Number.isSafeInteger(v) ? (v as number) : undefined;
const receivedOf = (intent: IntentObject): number =>
  int(intent.amount_received) ?? int(intent.amount) ?? 0;
/**
 * Every field read below is then in Stripe's shape, so no amount or
 * currency of the event can fail deep in a step as a 4xx or 5xx (for Stripe
 * to redeliver for days), nor a currency naming none be taken for the order's.
 */
function refuseDefective(event: PaymentEvent): void {
  const defect = paymentEventDefect(event);
  if (defect !== undefined) throw new UnusablePaymentEventError(defect);
}

/**
 * What a deferred event follows up on (a refund or dispute of a payment),
 * and the intent of that payment, as Stripe names it (an id, or expanded).
 */
function followUpOf(event: PaymentEvent): { kind?: PaymentFollowUp; intentId?: string } {
  const kind: PaymentFollowUp | undefined =
    event.type === 'charge.refunded'
      ? 'refund'
      : event.type === 'charge.dispute.created' || event.type === 'charge.dispute.closed'
        ? 'dispute'
        : undefined;
  const reference = (event.data.object as { payment_intent?: unknown }).payment_intent;
  const intentId = str(reference) ?? str((reference as { id?: unknown } | null | undefined)?.id);
  return { ...(kind ? { kind } : {}), ...(intentId ? { intentId } : {}) };
}

/**
 * Applies Stripe's payment events to orders, inside the transaction in which
 * the webhook intake stored the event (so each event id is applied once).
 * Every change goes through the state machine; a change that no longer fits
 * (a late `payment_failed` after success) is ignored. Arrival order does not
 * matter: what cannot be applied yet (`charge.refunded` before the order is
 * paid) is deferred, and amounts are set from the event, never added.
 * Stripe is called only in `prepare`, before any row is locked.
 */
@Injectable()
export class OrderPaymentEventHandler extends PaymentEventHandler<Prepared> {
  private readonly logger = new Logger(OrderPaymentEventHandler.name);

  constructor(
    private readonly orders: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly payments: PaymentGateway,
    private readonly refunds: RefundEvents,
    private readonly disputes: DisputeEvents,
    private readonly intents: IntentCancellation,
    private readonly clock: Clock,
  ) {
    super();
  }

  /**
   * A deferred refund or dispute may apply once its order no longer awaits
   * its payment (`awaitsPayment`, which `handle` asks again under the lock);
   * one whose intent no order knows may too, to be recorded as ignored.
   */
  override async applicableNow(events: readonly PaymentEvent[]): Promise<ReadonlySet<string>> {
    const followUps = events.map((event) => ({ event, ...followUpOf(event) }));
    const intents = [...new Set(followUps.flatMap((f) => f.intentId ?? []))];
    const orders = new Map(
      (await this.orders.findByPaymentIntents(intents)).map((o) => [o.paymentIntentId, o]),
    );
    const applicable = new Set<string>();
    for (const { event, kind, intentId } of followUps) {
      const order = intentId === undefined ? undefined : orders.get(intentId);
      if (!kind || !order || !awaitsPayment(order, kind)) applicable.add(event.id);
    }
    return applicable;
  }

  override async prepare(event: PaymentEvent): Promise<Prepared | undefined> {
    refuseDefective(event);
    switch (event.type) {
      case 'payment_intent.succeeded':
        return this.prepareSucceeded(event.data.object as unknown as IntentObject);
      case 'charge.refunded':
        return this.refunds.prepareRefunded(event.data.object as unknown as ChargeObject);
      case 'refund.failed':
      case 'refund.updated':
      case 'charge.refund.updated':
        return isRefundEvent(event) ? this.refunds.prepareFailed(event.data.object) : undefined;
      default:
        return undefined;
    }
  }

  async handle(
    event: PaymentEvent,
    manager: EntityManager,
    prepared?: Prepared,
  ): Promise<PaymentEventOutcome> {
    refuseDefective(event);
    const reading = prepared?.kind === 'charge' ? prepared : undefined;
    switch (event.type) {
      case 'payment_intent.succeeded':
        return this.withIntentOrder(event, manager, (o, pi) =>
          this.succeeded(o, pi, prepared?.kind === 'late-payment' ? prepared : undefined, manager),
        );
      case 'payment_intent.payment_failed':
        return this.withIntentOrder(event, manager, (o, pi) =>
          this.failed(o, pi, event.id, manager),
        );
      case 'payment_intent.canceled':
        return this.withIntentOrder(event, manager, (o) => this.canceled(o, manager));
      case 'charge.refunded':
        return this.refunds.applyRefunded(
          event.data.object as unknown as ChargeObject,
          reading,
          manager,
        );
      case 'refund.failed':
      case 'refund.updated':
      case 'charge.refund.updated':
        return isRefundEvent(event)
          ? this.refunds.applyFailed(event.data.object, reading, manager)
          : 'ignored';
      case 'charge.dispute.created':
      case 'charge.dispute.closed':
        return isDisputeEvent(event)
          ? this.disputes.apply(event.type, event.data.object, manager)
          : 'ignored';
      default:
        return 'ignored';
    }
  }

  private async withIntentOrder(
    event: PaymentEvent,
    manager: EntityManager,
    apply: (
      order: OrderState,
      intent: IntentObject & { id: string },
    ) => Promise<PaymentEventOutcome>,
  ): Promise<PaymentEventOutcome> {
    const intent = event.data.object as unknown as IntentObject;
    const id = str(intent.id);
    if (!id) return 'ignored';
    let order = await this.orders.lockByPaymentIntent(id, manager);
    if (!order) {
      // The event can beat checkout's own write of the intent id; the order
      // id we put in the intent's metadata still finds it.
      const orderId = str(intent.metadata?.orderId);
      if (!orderId || !isUuid(orderId)) return 'ignored';
      order = await this.orders.lockById(orderId, manager);
      if (!order || order.paymentIntentId !== null) return 'ignored';
      await this.orders.update(order.id, { paymentIntentId: id }, manager);
      order = { ...order, paymentIntentId: id };
    }
    return apply(order, { ...intent, id });
  }

  /** `withIntentOrder`'s lookup without a lock, for `prepare`. */
  private async intentOrder(id: string, intent: IntentObject): Promise<OrderSnapshot | null> {
    const order = await this.orders.findByPaymentIntent(id);
    if (order) return order;
    const orderId = str(intent.metadata?.orderId);
    if (!orderId || !isUuid(orderId)) return null;
    const byMetadata = await this.orders.findById(orderId);
    return byMetadata?.paymentIntentId === null ? byMetadata : null;
  }

  private async succeeded(
    order: OrderState,
    intent: IntentObject & { id: string },
    lateRefund: LatePaymentPrepared | undefined,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    const amount = receivedOf(intent);
    const currency = (str(intent.currency) ?? '').toUpperCase();
    if (order.status === 'cancelled') {
      const received = Money.of(amount, currency || order.currency);
      return this.paidAfterCancellation(order, received, lateRefund, m);
    }
    if (order.status !== 'pending_payment') return 'processed'; // already applied
    if (amount !== order.total.amount || currency !== order.currency) {
      // Never paid on a mismatch: a person looks (expiry leaves it alone).
      await this.orders.update(
        order.id,
        {
          reviewReason: `payment_mismatch: order ${order.total.amount} ${order.currency}, intent ${amount} ${currency}`,
        },
        m,
      );
      this.logger.warn(`Payment ${intent.id} does not match order ${order.id}; flagged for review`);
      return 'processed';
    }
    await this.lifecycle.markPaid(
      order,
      Money.of(amount, order.currency),
      'payment_intent.succeeded',
      m,
    );
    return 'processed';
  }

  /**
   * The customer paid for an order already cancelled (expired or given up
   * while the payment was in flight). Its stock may be sold to others by
   * now, so the money goes back automatically, in full, rather than
   * re-reserving stock behind the customer's back. The refund is asked
   * before the order is locked; a cancelled order stays cancelled, so what
   * `prepare` decided still holds here, unless the order was cancelled only
   * after it looked.
   *
   * A refusal of the refund (a disputed charge, say) is no reason to fail
   * the event: Stripe would redeliver it for days and be refused each time,
   * while nothing recorded the money held. The order books the payment with
   * nothing asked back and waits for an admin (`bookLatePayment`); only a
   * provider that could not answer fails the event, for Stripe to retry.
   */
  private async prepareSucceeded(intent: IntentObject): Promise<LatePaymentPrepared | undefined> {
    const id = str(intent.id);
    const amount = receivedOf(intent);
    if (!id || amount <= 0) return undefined;
    const order = await this.intentOrder(id, intent);
    if (order?.status !== 'cancelled' || !nothingBooked(order)) return undefined;
    // Cancelled by a person who rejected this very payment: that rejection
    // refunded it (PaymentReviewService); a redelivery must not refund again.
    if (order.reviewDecision === 'rejected') return undefined;
    try {
      // In the currency the customer paid in, which may not be the order's
      // (an intent changed in the dashboard): Stripe refunds in the charge's
      // currency whatever we say, and the gateway refuses a refund whose
      // currency differs from the one asked, which would book money Stripe
      // gave back as a refused refund.
      await refundWhole(this.payments, {
        paymentIntentId: id,
        amount: Money.of(amount, str(intent.currency)?.toUpperCase() ?? order.currency),
        idempotencyKey: `late-payment-${id}`,
      });
    } catch (error) {
      // Refunded outside minishop (by hand in the dashboard): Stripe refuses
      // every further refund of the charge, so retrying the event could never
      // succeed. Its answer means the charge is refunded in full.
      if (isAlreadyRefunded(error)) {
        return { kind: 'late-payment', refund: { outcome: 'already_refunded' } };
      }
      const reason = refundRefusalReason(error);
      if (reason === null) throw error;
      this.logger.warn(`Refund of late payment ${id} refused by the provider (${reason})`);
      return { kind: 'late-payment', refund: { outcome: 'refused', reason } };
    }
    return { kind: 'late-payment', refund: { outcome: 'requested' } };
  }

  private async paidAfterCancellation(
    order: OrderState,
    received: Money,
    lateRefund: LatePaymentPrepared | undefined,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    if (!nothingBooked(order) || received.amount <= 0) return 'processed';
    // Rejected after review, and refunded by that rejection: nothing to flag.
    if (order.reviewDecision === 'rejected') return 'processed';
    if (!lateRefund) throw new StalePreparationError(`order ${order.id}`);
    const amount = received.amount;
    if (ledgerOf(order.currency, received) === 'foreign') {
      // Paid in another currency than the order's: kept apart, in its own
      // currency, as the order's figures could only misstate it.
      const foreign = bookForeignLatePayment(order.foreignPayment, received, lateRefund.refund);
      await this.orders.update(
        order.id,
        { foreignPayment: foreign.foreign, reviewReason: foreign.reviewReason },
        m,
      );
      this.logger.warn(
        LATE_PAYMENT_LOG[lateRefund.refund.outcome](order.id, `${amount} ${received.currency}`),
      );
      return 'processed';
    }
    const booking = bookLatePayment(
      { refunded: order.amountRefunded },
      received,
      lateRefund.refund,
    );
    await this.orders.update(
      order.id,
      {
        amountPaid: booking.amountPaid.amount,
        reviewReason: booking.reviewReason,
        ...(booking.refundRequested ? { refundRequested: booking.refundRequested.amount } : {}),
        ...(booking.amountRefunded ? { amountRefunded: booking.amountRefunded.amount } : {}),
      },
      m,
    );
    this.logger.warn(
      LATE_PAYMENT_LOG[lateRefund.refund.outcome](order.id, `${amount} ${received.currency}`),
    );
    return 'processed';
  }

  private async failed(
    order: OrderState,
    intent: IntentObject & { id: string },
    eventId: string,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    if (order.status === 'cancelled') {
      // A payment the bank decided on while the order was cancelled here: the
      // cancel was refused then (the intent was `processing`), and the
      // failure makes the intent payable again. Its cancellation is owed
      // once more; the job looks at the intent first, so one already
      // cancelled, or a stale failure's, costs a look and nothing else.
      await this.intents.oweAgain(intent.id, eventId, m);
      return 'processed';
    }
    if (order.status !== 'pending_payment') return 'ignored'; // a stale attempt
    const reason =
      str(intent.last_payment_error?.code) ?? str(intent.last_payment_error?.message) ?? 'unknown';
    await this.orders.recordTransition(
      order.id,
      recordPaymentFailure(order.status, `payment_intent.payment_failed: ${reason}`),
      m,
    );
    return 'processed';
  }

  private async canceled(order: OrderState, m: EntityManager): Promise<PaymentEventOutcome> {
    if (order.status === 'cancelled') return 'processed'; // we cancelled it ourselves
    if (order.status !== 'pending_payment') return 'ignored';
    // Past its reservation, this is most likely the webhook of the expiry
    // sweep's own cancel (OrderExpiryService asks the provider before it
    // cancels the order), and the order ends for that reason whoever ends it.
    const expired = order.reviewReason === null && order.reservationExpiresAt <= this.clock.now();
    await this.lifecycle.cancelPending(
      order,
      expired ? RESERVATION_EXPIRED : 'payment_intent.canceled',
      m,
    );
    return 'processed';
  }
}
