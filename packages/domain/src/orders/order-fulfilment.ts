import { PartlyRefundedOrderError } from './order.errors.js';
import { assertMoneyLeftToShipFor, type RefundableOrder, unrefundedRest } from './order-refunds.js';
import { type OrderTransition, transition } from './order-state-machine.js';

/**
 * Decides POST /admin/orders/:id/fulfil, `paid` → `fulfilled`. Not a paid
 * order any of whose money was asked back or returned: all of it
 * (`NothingLeftToShipForError`) or part (`PartlyRefundedOrderError`). A
 * refund keeps the order `paid` until the provider confirms it, and a
 * `partially_refunded` order does not ship; refusing both keeps the moment
 * a webhook arrives from deciding whether the rest can be shipped.
 */
export function fulfilmentTransition(
  orderId: string,
  order: RefundableOrder,
  cause: string,
): OrderTransition {
  if (order.status === 'paid') {
    assertMoneyLeftToShipFor(orderId, order);
    if (order.paid.greaterThan(unrefundedRest(order))) throw new PartlyRefundedOrderError(orderId);
  }
  return transition(order.status, 'fulfilled', cause);
}
