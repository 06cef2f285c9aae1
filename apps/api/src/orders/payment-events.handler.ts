import {
  isUuid,
  Money,
  type OrderStatus,
  PaymentStateConflictError,
  recordPaymentFailure,
  REFUNDABLE_STATUSES,
  refundStatus,
  transition,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';

import {
  PaymentEventHandler,
  type PaymentEventOutcome,
} from '../payments/payment-event-handler.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { isRefundEvent, type PaymentEvent } from '../payments/stripe-event.js';
import { OrderRepository, type OrderState } from './order.repository.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { RefundLedger } from './refund-ledger.js';

interface IntentObject {
  id?: unknown;
  amount?: unknown;
  amount_received?: unknown;
  currency?: unknown;
  metadata?: { orderId?: unknown } | null;
  last_payment_error?: { code?: unknown; message?: unknown } | null;
}

interface ChargeObject {
  payment_intent?: unknown;
  amount_refunded?: unknown;
  currency?: unknown;
}

const isAlreadyRefunded = (error: unknown): boolean =>
  error instanceof PaymentStateConflictError && error.providerCode === 'charge_already_refunded';
const idOf = (v: string | { id: string } | null | undefined): string | undefined =>
  typeof v === 'string' ? v : v?.id;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined =>
  Number.isSafeInteger(v) ? (v as number) : undefined;

/**
 * Applies Stripe's payment events to orders, inside the transaction in which
 * the webhook intake stored the event (so each event id is applied once).
 * Every change goes through the state machine; a change that no longer fits
 * (a late `payment_failed` after success) is ignored. Arrival order does not
 * matter: what cannot be applied yet (`charge.refunded` before the order is
 * paid) is deferred, and amounts are set from the event, never added.
 */
@Injectable()
export class OrderPaymentEventHandler extends PaymentEventHandler {
  private readonly logger = new Logger(OrderPaymentEventHandler.name);

  constructor(
    private readonly orders: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly payments: PaymentGateway,
    private readonly ledger: RefundLedger,
  ) {
    super();
  }

  async handle(event: PaymentEvent, manager: EntityManager): Promise<PaymentEventOutcome> {
    switch (event.type) {
      case 'payment_intent.succeeded':
        return this.withIntentOrder(event, manager, (o, pi) => this.succeeded(o, pi, manager));
      case 'payment_intent.payment_failed':
        return this.withIntentOrder(event, manager, (o, pi) => this.failed(o, pi, manager));
      case 'payment_intent.canceled':
        return this.withIntentOrder(event, manager, (o) => this.canceled(o, manager));
      case 'charge.refunded':
        return this.refunded(event.data.object as unknown as ChargeObject, manager);
      case 'refund.failed':
      case 'charge.refund.updated':
        return isRefundEvent(event) ? this.refundFailed(event.data.object, manager) : 'ignored';
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

  private async succeeded(
    order: OrderState,
    intent: IntentObject & { id: string },
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    const amount = int(intent.amount_received) ?? int(intent.amount) ?? 0;
    const currency = (str(intent.currency) ?? '').toUpperCase();
    if (order.status === 'cancelled') return this.paidAfterCancellation(order, intent, amount, m);
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
   * re-reserving stock behind the customer's back.
   */
  private async paidAfterCancellation(
    order: OrderState,
    intent: IntentObject & { id: string },
    amount: number,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    if (!order.amountPaid.isZero() || amount <= 0) return 'processed';
    // Cancelled by a person who rejected this very payment: that rejection
    // refunded it (PaymentReviewService); a redelivery must not flag it again.
    if (order.reviewDecision === 'rejected') return 'processed';
    await this.orders.update(
      order.id,
      { amountPaid: amount, refundRequested: amount, reviewReason: 'paid_after_cancellation' },
      m,
    );
    try {
      await this.payments.refund({
        paymentIntentId: intent.id,
        amount: Money.of(amount, order.currency),
        idempotencyKey: `late-payment-${intent.id}`,
      });
    } catch (error) {
      if (!isAlreadyRefunded(error)) throw error;
      // Refunded outside minishop (by hand in the dashboard): Stripe refuses
      // every further refund of the charge, so retrying the event could never
      // succeed. Its answer means the charge is refunded in full.
      await this.orders.update(
        order.id,
        { amountRefunded: Math.max(order.amountRefunded.amount, amount) },
        m,
      );
      this.logger.warn(`Order ${order.id} was paid after cancellation; already refunded`);
      return 'processed';
    }
    this.logger.warn(
      `Order ${order.id} was paid after cancellation; refund of ${amount} requested`,
    );
    return 'processed';
  }

  private async failed(
    order: OrderState,
    intent: IntentObject,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
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
    await this.lifecycle.cancelPending(order, 'payment_intent.canceled', m);
    return 'processed';
  }

  /**
   * A refund Stripe accepted and then failed (the bank could not deliver
   * it): the money stayed with us, so its amount comes off what the order
   * counts as requested, or the rest could never be refunded. Stripe sends
   * both `refund.failed` and `charge.refund.updated` for it: the ledger
   * takes each refund back once. Stripe's current figure for the charge
   * bounds it, so a refund that did go through is never taken back.
   */
  private async refundFailed(
    refund: Stripe.Refund,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    if (refund.status !== 'failed') return 'ignored'; // other updates change nothing here
    const intentId = idOf(refund.payment_intent);
    const chargeId = idOf(refund.charge);
    if (!intentId || !chargeId) return 'ignored';
    const order = await this.orders.lockByPaymentIntent(intentId, m);
    if (!order) return 'ignored';
    const confirmed = await this.payments.refundedAmount(chargeId);
    const changed = await this.ledger.takeBackFailed(
      {
        orderId: order.id,
        refundId: refund.id,
        amount: refund.amount,
        reason: refund.failure_reason ?? null,
        confirmedRefunded: confirmed.amount,
      },
      m,
    );
    if (changed) {
      this.logger.warn(
        `Refund ${refund.id} of ${refund.amount} for order ${order.id} failed (${refund.failure_reason ?? 'no reason'}); taken back`,
      );
    }
    return 'processed';
  }

  private async refunded(charge: ChargeObject, m: EntityManager): Promise<PaymentEventOutcome> {
    const intentId = str(charge.payment_intent);
    const refunded = int(charge.amount_refunded);
    if (!intentId || refunded === undefined) return 'ignored';
    const order = await this.orders.lockByPaymentIntent(intentId, m);
    if (!order) return 'ignored';
    if (order.status === 'pending_payment') return 'deferred'; // re-applied once paid
    // A payment in another currency was never the order's money (it can only
    // have been rejected after review): its refund is not the order's either.
    const currency = str(charge.currency)?.toUpperCase();
    if (currency !== undefined && currency !== order.currency) return 'processed';
    const amount = Money.of(refunded, order.currency);
    // Set, never add: a cumulative figure, so an older event arriving late
    // cannot lower it and a repeated one changes nothing.
    if (!amount.greaterThan(order.amountRefunded)) return 'processed';
    await this.orders.update(
      order.id,
      {
        amountRefunded: amount.amount,
        refundRequested: Math.max(order.refundRequested.amount, amount.amount),
      },
      m,
    );
    if (REFUNDABLE_STATUSES.includes(order.status)) {
      const to: OrderStatus = refundStatus(order.amountPaid, amount);
      await this.orders.recordTransition(
        order.id,
        transition(order.status, to, 'charge.refunded'),
        m,
      );
    }
    return 'processed';
  }
}
