import type { OrderDto } from '@minishop/contracts';
import {
  acceptedPayment,
  bookRejectedForeignPayment,
  completeRejection,
  decidePaymentReview,
  ledgerOf,
  OrderNotFoundError,
  PaymentNotAcceptableError,
  PaymentProviderError,
  paymentReviewCause,
  type PaymentReviewDecision,
  PaymentStateConflictError,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PaymentEventProcessor } from '../payments/payment-event-processor.service.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { IdempotencyService } from './idempotency.service.js';
import { OrderRepository, type OrderState } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderQueryService } from './order-query.service.js';

const REVIEW_IDEMPOTENCY_SCOPE = 'payment-review';

/** The provider's key of a rejected payment's refund: one refund per order, however often asked. */
export const reviewRefundKey = (orderId: string) => `review-reject-${orderId}`;

/**
 * Resolves an order whose payment did not match it (`review_reason` set by
 * the payment handler): accept the payment as the order's, or reject it,
 * refunding it in full and cancelling the order. The rules are the domain's
 * (`decidePaymentReview`); provider calls happen outside any transaction, so
 * no row lock is held while the provider answers.
 *
 * Safe to repeat and to race: the decision is recorded on the order under
 * its row lock, so the same decision again is answered with the order as it
 * is (one sale, one refund) and the other decision is a 409. A rejection is
 * recorded before its refund is asked, with a key derived from the order,
 * so a retry after a failure or a crash asks again for the same refund.
 */
@Injectable()
export class PaymentReviewService {
  private readonly logger = new Logger(PaymentReviewService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly payments: PaymentGateway,
    private readonly events: PaymentEventProcessor,
    private readonly query: OrderQueryService,
    private readonly idempotency: IdempotencyService,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * With a client Idempotency-Key, as for refunds: the same key for the same
   * order and decision replays the first reply, the key with another order
   * or decision is a 422. Keys belong to the admin who sent them.
   */
  async resolveOnce(
    orderId: string,
    decision: PaymentReviewDecision,
    actor: string,
    idempotency: { userId: string; key: string } | undefined,
  ): Promise<OrderDto> {
    if (!idempotency) return this.resolve(orderId, decision, actor);
    const reply = await this.idempotency.run<OrderDto>(
      { ...idempotency, scope: REVIEW_IDEMPOTENCY_SCOPE, body: { orderId, decision } },
      async (claim) => {
        // A rejection spans a provider call: take the claim in a statement of its own.
        await claim.take(this.dataSource.manager);
        return { status: 200, body: await this.resolve(orderId, decision, actor) };
      },
    );
    return reply.body;
  }

  /** `actor` is who decided, as the history records it: a staff user id, or `cli`. */
  async resolve(
    orderId: string,
    decision: PaymentReviewDecision,
    actor: string,
  ): Promise<OrderDto> {
    assertOrderId(orderId);
    // Refused early, before asking the provider anything; decided again under the lock.
    const seen = await this.orders.stateById(orderId);
    if (!seen) throw new OrderNotFoundError(orderId);
    const cause = paymentReviewCause(decision, actor, seen.reviewReason);
    const step = decidePaymentReview(seen, decision, cause);
    if (step.kind !== 'settled') {
      const intentId = seen.paymentIntentId;
      if (!intentId) throw new PaymentNotAcceptableError('The order has no payment to decide on');
      const charge =
        decision === 'accept'
          ? await this.accept(orderId, intentId, cause)
          : await this.reject(orderId, intentId, cause);
      // Refund events of its charge that came while the order waited could
      // not be applied to it then; now they can, as after any payment event.
      // A failure leaves them deferred for the job that re-applies them
      // (`payments.reapply-deferred-events`); the decision stands.
      if (charge) await this.events.reapplyDeferredOfCharge(charge, { orderId });
    }
    return this.query.getForStaff(orderId);
  }

  /** Each returns the payment's charge, whose deferred refund events may now apply. */
  private async accept(orderId: string, intentId: string, cause: string): Promise<string | null> {
    const intent = await this.payments.retrieveIntent(intentId);
    await this.tx.run(async (m) => {
      const order = await this.lock(orderId, m);
      const step = decidePaymentReview(order, 'accept', cause);
      if (step.kind !== 'accept') return; // accepted meanwhile by a repeat
      const paid = acceptedPayment(order.currency, intent.amountReceived);
      await this.lifecycle.markPaid(order, paid, step.transition.cause, m);
      await this.orders.update(order.id, { reviewReason: null, reviewDecision: 'accepted' }, m);
    });
    this.logger.log(`Payment ${intentId} of order ${orderId} accepted after review`);
    return intent.latestChargeId;
  }

  private async reject(orderId: string, intentId: string, cause: string): Promise<string | null> {
    const intent = await this.payments.retrieveIntent(intentId);
    const decidedNow = await this.tx.run(async (m) => {
      const order = await this.lock(orderId, m);
      const step = decidePaymentReview(order, 'reject', cause);
      if (step.kind !== 'reject') return null; // carried out meanwhile by a repeat
      if (!step.resumed) await this.orders.update(order.id, { reviewDecision: 'rejected' }, m);
      return !step.resumed;
    });
    if (decidedNow === null) return intent.latestChargeId;

    try {
      await this.payments.refund({
        paymentIntentId: intentId,
        idempotencyKey: reviewRefundKey(orderId),
      });
    } catch (error) {
      if (!isAlreadyRefunded(error)) {
        // A refusal says no money moved: the decision is open again. A provider
        // that could not be reached or failed may have refunded: the decision
        // stays, and only rejecting again (the same refund) can finish it.
        // Stripe working on this same refund for a repeat of the rejection
        // (the key in use) is no refusal either: that refund may go through.
        // A refusal of a resumed rejection reopens it too: had an earlier
        // attempt's refund been made, Stripe would replay it for the key.
        const mayRefund = error instanceof PaymentProviderError || isRefundInFlight(error);
        if (!mayRefund) await this.reopen(orderId);
        throw error;
      }
      // Refunded outside minishop (by hand in the dashboard): what this
      // rejection asked for has happened.
    }

    await this.tx.run(async (m) => {
      const order = await this.lock(orderId, m);
      if (decidePaymentReview(order, 'reject', cause).kind === 'settled') return;
      completeRejection(order, cause);
      await this.lifecycle.cancelPending(order, cause, m);
      // As for a payment after cancellation: the order shows the money that
      // came in and is on its way back; charge.refunded confirms the refund.
      // Money in another currency is shown apart, in its own currency.
      const received = intent.amountReceived;
      const booked =
        received.amount <= 0
          ? {}
          : ledgerOf(order.currency, received) === 'foreign'
            ? { foreignPayment: bookRejectedForeignPayment(order.foreignPayment, received) }
            : order.amountPaid.isZero()
              ? { amountPaid: received.amount, refundRequested: received.amount }
              : {};
      await this.orders.update(order.id, { ...booked, reviewReason: null }, m);
    });
    this.logger.log(`Payment ${intentId} of order ${orderId} rejected after review; refunded`);
    return intent.latestChargeId;
  }

  /** A rejection the provider refused: the decision is open again. */
  private async reopen(orderId: string): Promise<void> {
    await this.tx.run(async (m) => {
      const order = await this.orders.lockById(orderId, m);
      if (order?.reviewDecision === 'rejected' && order.status === 'pending_payment') {
        await this.orders.update(order.id, { reviewDecision: null }, m);
      }
    });
  }

  private async lock(orderId: string, m: EntityManager): Promise<OrderState> {
    const order = await this.orders.lockById(orderId, m);
    if (!order) throw new OrderNotFoundError(orderId);
    return order;
  }
}

const isAlreadyRefunded = (error: unknown): boolean =>
  error instanceof PaymentStateConflictError && error.providerCode === 'charge_already_refunded';
const isRefundInFlight = (error: unknown): boolean =>
  error instanceof PaymentStateConflictError && error.providerCode === 'idempotency_key_in_use';
