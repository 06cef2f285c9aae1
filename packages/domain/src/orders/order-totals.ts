import { Money } from '../money/money.js';
import { OrderTotalTooLargeError, RefundExceedsPaymentError } from './order.errors.js';
import type { OrderStatus } from './order-status.js';

export interface PricedLine {
  unitPrice: Money;
  quantity: number;
}

export interface OrderTotals {
  lineTotals: Money[];
  subtotal: Money;
  total: Money;
}

/**
 * The most one order may total, in minor units. An order is paid with one
 * PaymentIntent, and Stripe takes at most 8 digits for an amount in the
 * smallest currency unit (99,999,999: 999,999.99 EUR); a larger order could
 * be placed and reserve stock but never be paid.
 */
export const MAX_ORDER_TOTAL = 99_999_999;

/**
 * Totals of an order from its line snapshots. No shipping, tax or discounts
 * yet, so the total is the subtotal; they would be added here, before the
 * total is held to {@link MAX_ORDER_TOTAL}.
 */
export function orderTotals(lines: readonly PricedLine[], currency: string): OrderTotals {
  const lineTotals = lines.map((l) => l.unitPrice.multiply(l.quantity));
  const subtotal = Money.sum(lineTotals, currency);
  const total = subtotal;
  if (total.amount > MAX_ORDER_TOTAL) {
    throw new OrderTotalTooLargeError(total, Money.of(MAX_ORDER_TOTAL, currency));
  }
  return { lineTotals, subtotal, total };
}

/**
 * What a refund request amounts to: the whole refundable rest when no amount
 * is given, otherwise the amount, which must be positive and no more than
 * what was paid and not yet refunded (or asked to be).
 */
export function refundAmount(
  paid: Money,
  alreadyRefunded: Money,
  requested: Money | undefined,
): Money {
  const refundable = paid.subtract(alreadyRefunded);
  const amount = requested ?? refundable;
  if (amount.amount <= 0 || amount.greaterThan(refundable)) {
    throw new RefundExceedsPaymentError(
      `Refund of ${amount.amount} must be between 1 and the ${refundable.amount} ${paid.currency} still refundable`,
    );
  }
  return amount;
}

/** The status an order reaches once the provider confirms `refunded` of `paid`. */
export function refundStatus(paid: Money, refunded: Money): OrderStatus {
  return refunded.compare(paid) >= 0 ? 'refunded' : 'partially_refunded';
}
