import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { bookLatePayment, isAwaitingRefund } from './late-payment.js';
import type { OrderStatus } from './order-status.js';
import { decidePaymentReview } from './payment-review.js';

const eur = (amount: number) => Money.of(amount, 'EUR');

describe('bookLatePayment', () => {
  describe('refund requested', () => {
    test('books the payment as paid and asked back, marked paid after cancellation', () => {
      expect(bookLatePayment({ refunded: eur(0) }, eur(2500), { outcome: 'requested' })).toEqual({
        amountPaid: eur(2500),
        refundRequested: eur(2500),
        reviewReason: 'paid_after_cancellation',
      });
    });
  });

  describe('already refunded by hand', () => {
    test('counts the payment as refunded', () => {
      expect(
        bookLatePayment({ refunded: eur(0) }, eur(2500), { outcome: 'already_refunded' }),
      ).toMatchObject({ amountRefunded: eur(2500), refundRequested: eur(2500) });
    });
    test('never lowers what the order counts as refunded', () => {
      expect(
        bookLatePayment({ refunded: eur(3000) }, eur(2500), { outcome: 'already_refunded' })
          .amountRefunded,
      ).toEqual(eur(3000));
    });
  });

  describe('refund refused by the provider', () => {
    const booking = bookLatePayment({ refunded: eur(0) }, eur(2500), {
      outcome: 'refused',
      reason: 'charge_disputed',
    });
    test('holds the payment with nothing asked back, naming the refusal', () => {
      expect(booking).toEqual({
        amountPaid: eur(2500),
        reviewReason: 'late_payment_refund_refused: charge_disputed',
      });
    });
    test('leaves the order waiting for an admin refund of all of it', () => {
      const order = {
        status: 'cancelled' as const,
        paid: booking.amountPaid,
        refunded: eur(0),
        requested: booking.refundRequested ?? eur(0),
      };
      expect(isAwaitingRefund(order)).toBe(true);
    });
    test('is no payment review to decide: a decision is refused, pointing to a refund', () => {
      const order = {
        status: 'cancelled' as const,
        reviewReason: booking.reviewReason,
        reviewDecision: null,
      };
      expect(() => decidePaymentReview(order, 'reject', 'x')).toThrow(/refund the order instead/);
    });
  });
});

describe('isAwaitingRefund', () => {
  const anOrder = (status: OrderStatus, paid: number, requested: number, refunded = 0) => ({
    status,
    paid: eur(paid),
    requested: eur(requested),
    refunded: eur(refunded),
  });
  test('a cancelled order holding money nobody asked back', () => {
    expect(isAwaitingRefund(anOrder('cancelled', 2500, 1000))).toBe(true);
  });
  test('not once all of it is asked back or refunded', () => {
    expect(isAwaitingRefund(anOrder('cancelled', 2500, 2500))).toBe(false);
    expect(isAwaitingRefund(anOrder('cancelled', 2500, 0, 2500))).toBe(false);
  });
  test('not a cancelled order that never took money', () => {
    expect(isAwaitingRefund(anOrder('cancelled', 0, 0))).toBe(false);
  });
  test('not an order that is still paid: its refund is an ordinary one', () => {
    expect(isAwaitingRefund(anOrder('paid', 2500, 0))).toBe(false);
  });
});
