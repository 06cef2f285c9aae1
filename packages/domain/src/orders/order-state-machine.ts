import { IllegalTransitionError } from './order.errors.js';
import type { OrderStatus } from './order-status.js';

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
