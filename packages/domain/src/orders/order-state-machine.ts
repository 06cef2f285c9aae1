import type { Money } from '../money/money.js';
import { IllegalTransitionError } from './order.errors.js';
import type { OrderStatus } from './order-status.js';
import { refundStatus } from './order-totals.js';

/**
 * The order lifecycle as data: every status change of every path (customer,
 * admin, webhook, expiry) is decided by `transition` below from this table.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'cancelled'],
  paid: ['fulfilled', 'partially_refunded', 'refunded'],
  fulfilled: ['partially_refunded', 'refunded'],
  // A second partial refund keeps the status but is still a recorded change.
  partially_refunded: ['partially_refunded', 'refunded'],
  cancelled: [],
  refunded: [],
};

/** Statuses that may hand money back to the customer. */
export const REFUNDABLE_STATUSES: readonly OrderStatus[] = [
  'paid',
  'fulfilled',
  'partially_refunded',
];

export interface OrderTransition {
  from: OrderStatus;
  to: OrderStatus;
  cause: string;
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** Decides one status change, or throws `IllegalTransitionError` (a 409). */
export function transition(from: OrderStatus, to: OrderStatus, cause: string): OrderTransition {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  return { from, to, cause };
}

/**
 * A failed payment attempt is recorded in the history but keeps the order
 * awaiting payment, as Stripe keeps the intent open for another card.
 */
export function recordPaymentFailure(from: OrderStatus, cause: string): OrderTransition {
  if (from !== 'pending_payment') throw new IllegalTransitionError(from, 'payment_failed');
  return { from, to: 'pending_payment', cause };
}

/**
 * Where an order may go when a refund the provider had accepted fails later
 * (the bank could not deliver it, so the money never left): back towards the
 * status that matches what stays refunded. Kept apart from
 * `ORDER_TRANSITIONS` because these moves follow money that came back, never
 * a request: no admin can un-refund an order, nor ship one partly refunded.
 * A failure that leaves the status as it was is still recorded.
 */
export const REFUND_FAILURE_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: [],
  paid: ['paid'],
  fulfilled: ['fulfilled'],
  partially_refunded: ['paid', 'fulfilled', 'partially_refunded'],
  refunded: ['paid', 'fulfilled', 'partially_refunded', 'refunded'],
  // A refund of a payment that came after cancellation: the order stays cancelled.
  cancelled: [],
};

export interface RefundFailureFacts {
  paid: Money;
  /** What the provider still counts as refunded once the failed refund is taken off. */
  stillRefunded: Money;
  /** The statuses the order has had, oldest first (its history's `to`). */
  history: readonly OrderStatus[];
}

/**
 * Decides the status change for a refund that failed after the provider
 * accepted it. With something still refunded the order is partly or wholly
 * refunded as before; with nothing, it is what it was before its refunds
 * began: `fulfilled` if it had been shipped, else `paid`. Throws
 * `IllegalTransitionError` for an order that was never refundable.
 */
export function refundFailureTransition(
  from: OrderStatus,
  facts: RefundFailureFacts,
  cause: string,
): OrderTransition {
  const to = facts.stillRefunded.isZero()
    ? statusBeforeRefunds(facts.history)
    : refundStatus(facts.paid, facts.stillRefunded);
  if (!REFUND_FAILURE_TRANSITIONS[from].includes(to)) throw new IllegalTransitionError(from, to);
  return { from, to, cause };
}

/** The last of `paid`/`fulfilled` the order had: refunds start from one of them. */
function statusBeforeRefunds(history: readonly OrderStatus[]): OrderStatus {
  return history.findLast((s) => s === 'paid' || s === 'fulfilled') ?? 'paid';
}
