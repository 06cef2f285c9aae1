import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { PaymentNotAcceptableError, PaymentReviewConflictError } from './order.errors.js';
import { ORDER_STATUSES } from './order-status.js';
import {
  acceptedPayment,
  completeRejection,
  decidePaymentReview,
  isAwaitingReview,
  paymentReviewCause,
  type ReviewedOrder,
} from './payment-review.js';

const MISMATCH = 'payment_mismatch: order 2500 EUR, intent 2400 EUR';
const underReview: ReviewedOrder = {
  status: 'pending_payment',
  reviewReason: MISMATCH,
  reviewDecision: null,
};

describe('isAwaitingReview', () => {
  test('a pending order with a reason waits for a person', () => {
    expect(isAwaitingReview(underReview)).toBe(true);
  });
  test('a pending order without a reason does not', () => {
    expect(isAwaitingReview({ status: 'pending_payment', reviewReason: null })).toBe(false);
  });
  test('a payment after cancellation keeps its reason but waits for nobody', () => {
    expect(isAwaitingReview({ status: 'cancelled', reviewReason: 'paid_after_cancellation' })).toBe(
      false,
    );
  });
});

describe('paymentReviewCause', () => {
  test('names the decision, who took it and what the review was about', () => {
    expect(paymentReviewCause('accept', 'admin-1', MISMATCH)).toBe(
      `payment_review_accepted_by:admin-1 (${MISMATCH})`,
    );
    expect(paymentReviewCause('reject', 'cli', null)).toBe('payment_review_rejected_by:cli');
  });
});

describe('decidePaymentReview', () => {
  describe('an open review', () => {
    test('accept → pending_payment becomes paid, with the cause', () => {
      expect(decidePaymentReview(underReview, 'accept', 'c')).toEqual({
        kind: 'accept',
        transition: { from: 'pending_payment', to: 'paid', cause: 'c' },
      });
    });
    test('reject → a refund first, not resumed', () => {
      expect(decidePaymentReview(underReview, 'reject', 'c')).toEqual({
        kind: 'reject',
        resumed: false,
      });
    });
  });

  describe('a rejection under way (decided, refund not yet confirmed here)', () => {
    const rejecting: ReviewedOrder = { ...underReview, reviewDecision: 'rejected' };
    test('reject again → resumed, so its refund is asked again under the same key', () => {
      expect(decidePaymentReview(rejecting, 'reject', 'c')).toEqual({
        kind: 'reject',
        resumed: true,
      });
    });
    test('accept → 409: the refund may have reached the provider', () => {
      expect(() => decidePaymentReview(rejecting, 'accept', 'c')).toThrow(
        PaymentReviewConflictError,
      );
    });
  });

  describe('a review resolved before', () => {
    const accepted: ReviewedOrder = {
      status: 'paid',
      reviewReason: null,
      reviewDecision: 'accepted',
    };
    const rejected: ReviewedOrder = {
      status: 'cancelled',
      reviewReason: null,
      reviewDecision: 'rejected',
    };
    test('the same decision again is settled: a double submission changes nothing', () => {
      expect(decidePaymentReview(accepted, 'accept', 'c')).toEqual({ kind: 'settled' });
      expect(decidePaymentReview({ ...accepted, status: 'fulfilled' }, 'accept', 'c')).toEqual({
        kind: 'settled',
      });
      expect(decidePaymentReview(rejected, 'reject', 'c')).toEqual({ kind: 'settled' });
    });
    test('the other decision → 409 with a stable code', () => {
      expect(() => decidePaymentReview(accepted, 'reject', 'c')).toThrow(
        PaymentReviewConflictError,
      );
      try {
        decidePaymentReview(rejected, 'accept', 'c');
        throw new Error('not refused');
      } catch (e) {
        expect((e as PaymentReviewConflictError).code).toBe('ORDER.REVIEW_CONFLICT');
        expect((e as Error).message).toMatch(/rejected already/);
      }
    });
  });

  describe('no open review', () => {
    test.each(ORDER_STATUSES.map((s) => [s]))('%s without a reason → 409 either way', (status) => {
      const order: ReviewedOrder = { status, reviewReason: null, reviewDecision: null };
      expect(() => decidePaymentReview(order, 'accept', 'c')).toThrow(PaymentReviewConflictError);
      expect(() => decidePaymentReview(order, 'reject', 'c')).toThrow(PaymentReviewConflictError);
    });
    test('paid_after_cancellation → 409 saying it was refunded automatically', () => {
      const order: ReviewedOrder = {
        status: 'cancelled',
        reviewReason: 'paid_after_cancellation',
        reviewDecision: null,
      };
      for (const decision of ['accept', 'reject'] as const) {
        expect(() => decidePaymentReview(order, decision, 'c')).toThrow(/refunded automatically/);
      }
    });
  });
});

describe('completeRejection', () => {
  test('a recorded rejection of an open review → pending_payment becomes cancelled', () => {
    expect(completeRejection({ ...underReview, reviewDecision: 'rejected' }, 'c')).toEqual({
      from: 'pending_payment',
      to: 'cancelled',
      cause: 'c',
    });
  });
  test('without a recorded rejection → 409', () => {
    expect(() => completeRejection(underReview, 'c')).toThrow(PaymentReviewConflictError);
  });
  test('once the order left pending_payment → 409, never a second cancellation', () => {
    expect(() =>
      completeRejection(
        { status: 'cancelled', reviewReason: null, reviewDecision: 'rejected' },
        'c',
      ),
    ).toThrow(PaymentReviewConflictError);
  });
});

describe('acceptedPayment', () => {
  test('what was received, even when it differs from the total', () => {
    expect(acceptedPayment('EUR', Money.of(2400, 'EUR')).equals(Money.of(2400, 'EUR'))).toBe(true);
  });
  test('another currency → 422: it cannot be booked to the order', () => {
    expect(() => acceptedPayment('EUR', Money.of(2500, 'USD'))).toThrow(PaymentNotAcceptableError);
    expect(() => acceptedPayment('EUR', Money.of(2500, 'USD'))).toThrow(/reject it instead/);
  });
  test('nothing received → 422', () => {
    expect(() => acceptedPayment('EUR', Money.zero('EUR'))).toThrow(PaymentNotAcceptableError);
  });
});
