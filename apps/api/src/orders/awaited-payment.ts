import type { OrderSnapshot } from './order.repository.js';

/**
 * Stripe delivers events in any order: a refund or a dispute of a payment
 * may come before the payment itself is booked here. Such an event is
 * deferred, and re-applied once the payment is (by the intake right after
 * the payment, by the payment review's decision, or by the scheduled job,
 * which asks `awaitsPayment` which deferred events may apply now).
 */
export type PaymentFollowUp = 'refund' | 'dispute';

/** Whether the order has booked no payment yet, in its currency or in another. */
export const nothingBooked = (
  order: Pick<OrderSnapshot, 'amountPaid' | 'foreignPayment'>,
): boolean => order.amountPaid.isZero() && (order.foreignPayment?.paid.isZero() ?? true);

export function awaitsPayment(
  order: Pick<OrderSnapshot, 'status' | 'amountPaid' | 'foreignPayment' | 'reviewDecision'>,
  followUp: PaymentFollowUp,
): boolean {
  if (order.status === 'pending_payment') return true;
  // A refund of a cancelled order needs no booked payment: `charge.refunded`
  // sets the charge's cumulative figure whatever was paid, and booking the
  // late payment later keeps it (`bookLatePayment`), asking back only the rest.
  if (followUp === 'refund') return false;
  // A dispute is of money the order holds: a cancelled order holds none
  // until its late payment is booked, unless a person rejected that payment
  // (refunded by the rejection, and booked with it).
  return (
    order.status === 'cancelled' && nothingBooked(order) && order.reviewDecision !== 'rejected'
  );
}
