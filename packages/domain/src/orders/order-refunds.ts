import type { Money } from '../money/money.js';
import { IllegalTransitionError, NothingLeftToShipForError } from './order.errors.js';
import { REFUNDABLE_STATUSES } from './order-state-machine.js';
import type { OrderStatus } from './order-status.js';
import { refundAmount } from './order-totals.js';

/** An order's money as far as refunds go. */
export interface RefundableOrder {
  status: OrderStatus;
  paid: Money;
  /** Refunds the provider confirmed. */
  refunded: Money;
  /** Refunds asked of the provider, confirmed or still in flight. */
  requested: Money;
  /**
   * Money the customer got back outside the shop's refunds: a chargeback the
   * shop lost, or a case staff settled by hand. Absent: none.
   */
  returnedOutside?: Money;
}

/**
 * What counts as given back: the larger of what was asked of the provider
 * and what it confirmed (a refund made in the dashboard is confirmed without
 * ever being asked through the shop).
 */
export function refundedOrAsked(order: RefundableOrder): Money {
  return order.requested.greaterThan(order.refunded) ? order.requested : order.refunded;
}

/** What the order counts as given back, through its refunds or outside the shop. */
function givenBack(order: RefundableOrder): Money {
  const refunds = refundedOrAsked(order);
  return order.returnedOutside ? refunds.add(order.returnedOutside) : refunds;
}

/** What the order holds that no refund has been asked for and nobody gave back otherwise. */
export function unrefundedRest(order: RefundableOrder): Money {
  return order.paid.subtract(givenBack(order));
}

/**
 * Decides an admin refund: which orders may give money back and how much.
 * Paid, fulfilled and partly refunded orders may, as their lifecycle says.
 * A cancelled order may too while it holds money: a payment that came after
 * its cancellation is refunded automatically, and if the bank then fails
 * that refund nobody else would ever give the money back. Its status stays
 * `cancelled` (the refund is no transition). Without an amount, everything
 * not yet refunded; an amount must be positive and no more than that
 * (`RefundExceedsPaymentError`, a 422). Any other order is a 409
 * `IllegalTransitionError`, as is a cancelled order holding nothing.
 */
export function decideRefund(order: RefundableOrder, requested: Money | undefined): Money {
  const rest = unrefundedRest(order);
  const allowed =
    REFUNDABLE_STATUSES.includes(order.status) || (order.status === 'cancelled' && rest.amount > 0);
  if (!allowed) throw new IllegalTransitionError(order.status, 'refunded');
  // Money returned outside the shop (a lost chargeback) can never be refunded again.
  return refundAmount(order.paid, givenBack(order), requested);
}

/**
 * Whether a paid order may be shipped as far as its money goes: not once
 * everything paid has been asked back or returned, while the status still
 * says `paid` until the provider confirms the refund. Whether its status
 * allows fulfilment is the state machine's to say.
 */
export function assertMoneyLeftToShipFor(orderId: string, order: RefundableOrder): void {
  if (order.paid.amount > 0 && unrefundedRest(order).amount <= 0) {
    throw new NothingLeftToShipForError(orderId);
  }
}
