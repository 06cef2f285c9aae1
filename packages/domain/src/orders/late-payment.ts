import { CurrencyMismatchError } from '../money/money.errors.js';
import type { Money } from '../money/money.js';
import { type ForeignPayment, heldForeign, noForeignPayment } from './foreign-payment.js';
import { type RefundableOrder, unrefundedRest } from './order-refunds.js';

/** The review reason of a payment that came after its order was cancelled and was refunded. */
export const PAID_AFTER_CANCELLATION = 'paid_after_cancellation';
/** The review reason's prefix when the provider refused that refund; the provider's reason follows. */
export const LATE_PAYMENT_REFUND_REFUSED = 'late_payment_refund_refused';

/**
 * What became of the automatic refund of a payment that came after its
 * order was cancelled:
 * - `requested`: the provider took it;
 * - `already_refunded`: the provider refused it because the whole charge
 *   was refunded already (by hand, outside the shop);
 * - `refused`: the provider refused it for another reason (`reason`, its
 *   code): no money moved, and asking again would be refused again.
 */
export type LatePaymentRefund =
  | { outcome: 'requested' }
  | { outcome: 'already_refunded' }
  | { outcome: 'refused'; reason: string };

/** What the order books for its late payment; absent fields stay as they are. */
export interface LatePaymentBooking {
  amountPaid: Money;
  refundRequested?: Money;
  amountRefunded?: Money;
  reviewReason: string;
}

/**
 * Books a payment that came after its order was cancelled. The order stays
 * cancelled whatever happened to the refund (its stock may be sold and the
 * customer was told the order is gone); the money is on its way back, or,
 * when the provider refused to send it back, held with nothing requested,
 * so the order waits for an admin to refund it (`isAwaitingRefund`) and the
 * review reason says why.
 */
export function bookLatePayment(
  order: { refunded: Money },
  received: Money,
  refund: LatePaymentRefund,
): LatePaymentBooking {
  switch (refund.outcome) {
    case 'requested':
      return {
        amountPaid: received,
        refundRequested: received,
        reviewReason: PAID_AFTER_CANCELLATION,
      };
    case 'already_refunded':
      return {
        amountPaid: received,
        refundRequested: received,
        amountRefunded: order.refunded.greaterThan(received) ? order.refunded : received,
        reviewReason: PAID_AFTER_CANCELLATION,
      };
    case 'refused':
      return {
        amountPaid: received,
        reviewReason: `${LATE_PAYMENT_REFUND_REFUSED}: ${refund.reason}`,
      };
  }
}

/** What a late payment in another currency than the order's books: only its own figures. */
export interface ForeignLatePaymentBooking {
  foreign: ForeignPayment;
  reviewReason: string;
}

/**
 * Books a late payment received in another currency than the order's
 * (`ledgerOf`): as `bookLatePayment` would, but into the foreign payment's
 * own figures, never into the order's. When the provider refused its
 * refund, the review reason names the amount held, as the order's own
 * figures (in its currency) cannot show it.
 */
export function bookForeignLatePayment(
  held: ForeignPayment | null,
  received: Money,
  refund: LatePaymentRefund,
): ForeignLatePaymentBooking {
  const current = held ?? noForeignPayment(received.currency);
  if (current.paid.currency !== received.currency) {
    throw new CurrencyMismatchError(
      `cannot combine ${current.paid.currency} with ${received.currency}`,
    );
  }
  const booking = bookLatePayment({ refunded: current.refunded }, received, refund);
  return {
    foreign: {
      paid: booking.amountPaid,
      refunded: booking.amountRefunded ?? current.refunded,
      requested: booking.refundRequested ?? current.requested,
      returnedOutside: current.returnedOutside,
    },
    reviewReason:
      refund.outcome === 'refused'
        ? `${booking.reviewReason} (${received.amount} ${received.currency} held, not in the order's currency)`
        : booking.reviewReason,
  };
}

/**
 * Whether a cancelled order holds money no refund was asked for: a late
 * payment whose refund the provider refused, or one whose refund the bank
 * failed later, in the order's currency or in another (`foreign`). Nothing
 * but an admin gives that money back, so such orders are listed with those
 * waiting for a review.
 */
export function isAwaitingRefund(
  order: RefundableOrder & { foreign?: ForeignPayment | null },
): boolean {
  return (
    order.status === 'cancelled' &&
    (unrefundedRest(order).amount > 0 || heldForeign(order) !== null)
  );
}
