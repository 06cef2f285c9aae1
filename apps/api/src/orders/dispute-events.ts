import {
  decideDisputeClosed,
  decideDisputeOpened,
  type DisputeFacts,
  Money,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';

import type { PaymentEventOutcome } from '../payments/payment-event-handler.js';
import { awaitsPayment } from './awaited-payment.js';
import { heldPaymentFigures } from './held-payment-figures.js';
import { OrderRepository } from './order.repository.js';

const idOf = (v: string | { id: string } | null | undefined): string | undefined =>
  typeof v === 'string' ? v : v?.id;

/**
 * `charge.dispute.created` and `charge.dispute.closed` applied to cancelled
 * orders holding a late payment (the domain's `decideDisputeOpened` and
 * `decideDisputeClosed`). A lost dispute is the one way such money leaves
 * the shop without an admin: the bank gave it back to the customer, so the
 * order stops waiting for a refund nobody could ever make. Each event id is
 * applied once by the event store; what is written is set from the order's
 * own figures, so a redelivered or reordered event cannot count twice.
 * Nothing here calls Stripe: the event's object is the truth.
 */
@Injectable()
export class DisputeEvents {
  private readonly logger = new Logger(DisputeEvents.name);

  constructor(private readonly orders: OrderRepository) {}

  async apply(
    type: 'charge.dispute.created' | 'charge.dispute.closed',
    dispute: Stripe.Dispute,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    const intentId = idOf(dispute.payment_intent);
    if (!intentId || !Number.isSafeInteger(dispute.amount) || !dispute.currency) return 'ignored';
    const order = await this.orders.lockByPaymentIntent(intentId, m);
    if (!order) return 'ignored';
    // Stripe may deliver the dispute before the payment it disputes: wait
    // for the payment to be booked (the cancelled order's late payment, or
    // an order still pending), then the charge's deferred events re-apply.
    if (awaitsPayment(order, 'dispute')) return 'deferred';

    const facts: DisputeFacts = {
      id: dispute.id,
      status: dispute.status,
      reason: dispute.reason,
      amount: Money.of(dispute.amount, dispute.currency.toUpperCase()),
    };
    const figures = heldPaymentFigures(order);
    const step =
      type === 'charge.dispute.created'
        ? decideDisputeOpened(figures, facts)
        : decideDisputeClosed(figures, facts);
    if (step.kind === 'ignored') return 'ignored';
    if (step.kind === 'returned') {
      // A dispute in the currency of a payment kept apart from the order's
      // figures returns it there, in its own currency.
      const returned =
        step.ledger === 'foreign' && order.foreignPayment
          ? { foreignPayment: { ...order.foreignPayment, returnedOutside: step.returnedOutside } }
          : { returnedOutside: step.returnedOutside.amount };
      await this.orders.update(order.id, { ...returned, reviewReason: step.reviewReason }, m);
      this.logger.warn(
        `Dispute ${dispute.id} of order ${order.id} lost: its late payment went back through the bank`,
      );
    }
    await this.orders.recordTransition(order.id, step.entry, m);
    return 'processed';
  }
}
