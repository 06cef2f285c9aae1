import { IllegalTransitionError } from './order.errors.js';
import { assertMoneyLeftToShipFor, type RefundableOrder } from './order-refunds.js';
import { type OrderTransition, transition } from './order-state-machine.js';
import type { OrderStatus } from './order-status.js';

export interface FulfilmentFacts extends RefundableOrder {
  /** The statuses the order has had, oldest first (its history's `to`). */
  history: readonly OrderStatus[];
}

/**
 * Decides POST /admin/orders/:id/fulfil. A paid order ships, and so does
 * one partly refunded before it ever shipped (an item refunded for being
 * out of stock, the rest to ship): whether the provider had confirmed that
 * refund a moment before or not yet, which keeps the order `paid`, must not
 * decide it. Never one whose whole payment was asked back or returned
 * (`NothingLeftToShipForError`), nor one shipped already (a partial refund
 * after shipping makes it `partially_refunded`, not unshipped).
 */
export function fulfilmentTransition(
  orderId: string,
  order: FulfilmentFacts,
  cause: string,
): OrderTransition {
  if (order.status === 'partially_refunded' && order.history.includes('fulfilled')) {
    throw new IllegalTransitionError(order.status, 'fulfilled');
  }
  if (order.status === 'paid' || order.status === 'partially_refunded') {
    assertMoneyLeftToShipFor(orderId, order);
  }
  return transition(order.status, 'fulfilled', cause);
}
