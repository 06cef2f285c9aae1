import type { Money } from '../money/money.js';
import { LATE_PAYMENT_CHARGED_BACK, LATE_PAYMENT_SETTLED_OUTSIDE } from './held-payment.js';
import { LATE_PAYMENT_REFUND_REFUSED } from './late-payment.js';
import { PaymentNotAcceptableError, PaymentReviewConflictError } from './order.errors.js';
import { type OrderTransition, transition } from './order-state-machine.js';
import type { OrderStatus } from './order-status.js';

/** What a person decides about a payment held for review. */
export const PAYMENT_REVIEW_DECISIONS = ['accept', 'reject'] as const;
export type PaymentReviewDecision = (typeof PAYMENT_REVIEW_DECISIONS)[number];

/**
 * The decision as the order records it. `rejected` is recorded before the
 * payment goes back to the provider, so from then on nobody can accept it.
 */
export const PAYMENT_REVIEW_OUTCOMES = ['accepted', 'rejected'] as const;
export type PaymentReviewOutcome = (typeof PAYMENT_REVIEW_OUTCOMES)[number];

export interface ReviewedOrder {
  status: OrderStatus;
  reviewReason: string | null;
  reviewDecision: PaymentReviewOutcome | null;
}

/**
 * What resolving a review comes to:
 * - `accept`: the payment counts as the order's; `transition` makes it paid;
 * - `reject`: the payment goes back in full, then `completeRejection`
 *   cancels the order (`resumed`: an earlier rejection recorded the
 *   decision but did not get that far, so its refund is asked again under
 *   the same provider key);
 * - `settled`: the same decision was carried out before; nothing to do.
 */
export type PaymentReviewStep =
  | { kind: 'accept'; transition: OrderTransition }
  | { kind: 'reject'; resumed: boolean }
  | { kind: 'settled' };

const OUTCOME: Record<PaymentReviewDecision, PaymentReviewOutcome> = {
  accept: 'accepted',
  reject: 'rejected',
};

/**
 * Whether the order waits for a person: a payment arrived that does not
 * match it, so it is neither paid nor cancellable. A payment that arrived
 * after cancellation (`paid_after_cancellation`) keeps its reason as a record
 * but waits for nobody: it was refunded automatically.
 */
export function isAwaitingReview(order: Pick<ReviewedOrder, 'status' | 'reviewReason'>): boolean {
  return order.reviewReason !== null && order.status === 'pending_payment';
}

/** The history cause of a resolution: who decided, and what the review was about. */
export function paymentReviewCause(
  decision: PaymentReviewDecision,
  actor: string,
  reviewReason: string | null,
): string {
  const cause = `payment_review_${OUTCOME[decision]}_by:${actor}`;
  return reviewReason === null ? cause : `${cause} (${reviewReason})`;
}

/**
 * Decides what resolving the order's payment review with `decision` does.
 * Repeating a decision that was carried out is `settled` (a double
 * submission changes nothing); the other decision once one is recorded, or
 * any decision for an order with no open review, is a 409.
 */
export function decidePaymentReview(
  order: ReviewedOrder,
  decision: PaymentReviewDecision,
  cause: string,
): PaymentReviewStep {
  const outcome = OUTCOME[decision];
  if (order.reviewDecision !== null && order.reviewDecision !== outcome) {
    throw new PaymentReviewConflictError(
      order.status,
      `its payment was ${order.reviewDecision} already`,
    );
  }
  if (!isAwaitingReview(order)) {
    if (order.reviewDecision === outcome) return { kind: 'settled' };
    throw new PaymentReviewConflictError(order.status, noReviewDetail(order.reviewReason));
  }
  if (decision === 'accept') {
    return { kind: 'accept', transition: transition(order.status, 'paid', cause) };
  }
  return { kind: 'reject', resumed: order.reviewDecision === 'rejected' };
}

function noReviewDetail(reviewReason: string | null): string {
  if (reviewReason === null) return 'no payment of it is waiting for review';
  if (reviewReason.startsWith(LATE_PAYMENT_REFUND_REFUSED)) {
    return `its payment came after it was cancelled and the provider refused to refund it (${reviewReason}): refund the order instead`;
  }
  if (
    reviewReason.startsWith(LATE_PAYMENT_CHARGED_BACK) ||
    reviewReason === LATE_PAYMENT_SETTLED_OUTSIDE
  ) {
    return `its payment came after it was cancelled and went back outside the shop (${reviewReason})`;
  }
  return `its review (${reviewReason}) needs no decision: the payment was refunded automatically`;
}

/**
 * The last step of a rejection, once the payment is on its way back:
 * pending_payment → cancelled. Only for an order whose rejection was
 * recorded and is still open; anything else is a 409.
 */
export function completeRejection(order: ReviewedOrder, cause: string): OrderTransition {
  if (order.reviewDecision !== 'rejected' || !isAwaitingReview(order)) {
    throw new PaymentReviewConflictError(order.status, 'no rejection of its payment is under way');
  }
  return transition(order.status, 'cancelled', cause);
}

/**
 * The payment an accepted review books as the order's: what the provider
 * received, which may be more or less than the total (the person accepting
 * decided that is fine), but never nothing and never another currency: the
 * order's amounts and later refunds are in its own currency.
 */
export function acceptedPayment(orderCurrency: string, received: Money): Money {
  if (received.currency !== orderCurrency) {
    throw new PaymentNotAcceptableError(
      `The payment is in ${received.currency}, the order in ${orderCurrency}: it cannot be booked to the order; reject it instead`,
    );
  }
  if (received.amount <= 0) {
    throw new PaymentNotAcceptableError('The payment provider has received nothing for this order');
  }
  return received;
}
