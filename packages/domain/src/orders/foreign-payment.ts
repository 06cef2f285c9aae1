import { Money } from '../money/money.js';
import { decideRefund, type RefundableOrder, unrefundedRest } from './order-refunds.js';

/**
 * Money an order received in another currency than its own: the intent's
 * currency was changed at the provider (in the dashboard) before the
 * customer paid, for an order that was cancelled meanwhile or whose payment
 * was rejected after review. Every figure of the order is in the order's
 * currency, so this money is never added to them: it is kept apart, in its
 * own currency, refunded in it, and closed in it (a lost chargeback, a
 * settlement outside the shop). An order has one intent, so at most one
 * other currency.
 */
export interface ForeignPayment {
  /** Received from the customer. */
  paid: Money;
  /** Refunds the provider confirmed. */
  refunded: Money;
  /** Refunds asked of the provider, confirmed or still in flight. */
  requested: Money;
  /** Gone back to the customer outside the shop's refunds. */
  returnedOutside: Money;
}

/** Which of an order's figures a sum of money belongs to. */
export type PaymentLedger = 'order' | 'foreign';

/** Money in the order's currency is the order's; any other is kept apart. */
export function ledgerOf(orderCurrency: string, money: Money): PaymentLedger {
  return money.currency === orderCurrency ? 'order' : 'foreign';
}

/** Nothing received yet in `currency`. */
export function noForeignPayment(currency: string): ForeignPayment {
  const zero = Money.zero(currency);
  return { paid: zero, refunded: zero, requested: zero, returnedOutside: zero };
}

/** The foreign payment's figures read as the refund rules read an order's. */
export function foreignRefundable(
  status: RefundableOrder['status'],
  foreign: ForeignPayment,
): RefundableOrder {
  return { status, ...foreign };
}

/**
 * What of the foreign payment a cancelled order holds that no refund was
 * asked for and nobody gave back otherwise; null when it holds none (no
 * foreign payment, or the order is not cancelled: only a cancelled order
 * can have received one, as the order's own payments must match it).
 */
export function heldForeign(order: {
  status: RefundableOrder['status'];
  foreign?: ForeignPayment | null;
}): Money | null {
  if (order.status !== 'cancelled' || !order.foreign) return null;
  const rest = unrefundedRest(foreignRefundable(order.status, order.foreign));
  return rest.amount > 0 ? rest : null;
}

/**
 * The foreign payment once the provider's `charge.refunded` said how much
 * of its charge is refunded (a cumulative figure, so it only ever rises):
 * null when that changes nothing. What was requested follows, as a refund
 * made in the dashboard was never asked through the shop.
 */
export function foreignRefunded(
  held: ForeignPayment | null,
  refundedNow: Money,
): ForeignPayment | null {
  const current = held ?? noForeignPayment(refundedNow.currency);
  if (!refundedNow.greaterThan(current.refunded)) return null;
  return {
    ...current,
    refunded: refundedNow,
    requested: current.requested.greaterThan(refundedNow) ? current.requested : refundedNow,
  };
}

/**
 * A rejected payment in another currency, refunded in full by the
 * rejection: received and requested back at once, as the order's own
 * currency would book it. Booked once: a payment already recorded stays.
 */
export function bookRejectedForeignPayment(
  held: ForeignPayment | null,
  received: Money,
): ForeignPayment {
  const current = held ?? noForeignPayment(received.currency);
  if (!current.paid.isZero()) return current;
  return {
    ...current,
    paid: received,
    requested: current.requested.greaterThan(received) ? current.requested : received,
  };
}

/** An admin refund as decided: how much, and whose figures it is booked in. */
export interface HeldRefund {
  ledger: PaymentLedger;
  amount: Money;
}

/**
 * Decides an admin refund of an order that may hold money in another
 * currency (`decideRefund`'s rules, applied to the figures the money is in).
 * An amount in the foreign payment's currency refunds that payment; without
 * an amount, the order's own money goes first, and the foreign payment once
 * the order holds none of its own. Anything else is the order's refund as
 * before: an amount in a currency the order never received is refused.
 */
export function decideHeldRefund(
  order: RefundableOrder & { currency: string; foreign?: ForeignPayment | null },
  requested: Money | undefined,
): HeldRefund {
  const foreign = order.foreign;
  const inForeign = requested
    ? foreign !== null && foreign !== undefined && requested.currency === foreign.paid.currency
    : heldForeign(order) !== null &&
      order.status === 'cancelled' &&
      unrefundedRest(order).amount <= 0;
  if (inForeign && foreign) {
    return {
      ledger: 'foreign',
      amount: decideRefund(foreignRefundable(order.status, foreign), requested),
    };
  }
  return { ledger: 'order', amount: decideRefund(order, requested) };
}
