import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { IllegalTransitionError } from './order.errors.js';
import {
  ORDER_TRANSITIONS,
  recordPaymentFailure,
  REFUND_FAILURE_TRANSITIONS,
  refundFailureTransition,
  transition,
} from './order-state-machine.js';
import { ORDER_STATUSES, type OrderStatus } from './order-status.js';

const allowed: [OrderStatus, OrderStatus][] = [
  ['pending_payment', 'paid'],
  ['pending_payment', 'cancelled'],
  ['paid', 'fulfilled'],
  ['paid', 'partially_refunded'],
  ['paid', 'refunded'],
  ['fulfilled', 'partially_refunded'],
  ['fulfilled', 'refunded'],
  ['partially_refunded', 'partially_refunded'],
  ['partially_refunded', 'refunded'],
];

describe('transition', () => {
  test.each(allowed)('allows %s → %s and records the cause', (from, to) => {
    expect(transition(from, to, 'because')).toEqual({ from, to, cause: 'because' });
  });

  const refused = ORDER_STATUSES.flatMap((from) =>
    ORDER_STATUSES.filter((to) => !allowed.some(([f, t]) => f === from && t === to)).map(
      (to) => [from, to] as [OrderStatus, OrderStatus],
    ),
  );
  test.each(refused)('refuses %s → %s with a 409 error', (from, to) => {
    expect(() => transition(from, to, 'x')).toThrow(IllegalTransitionError);
    try {
      transition(from, to, 'x');
    } catch (e) {
      expect((e as IllegalTransitionError).code).toBe('ORDER.ILLEGAL_TRANSITION');
    }
  });

  test('cancelled and refunded are final', () => {
    expect(ORDER_TRANSITIONS.cancelled).toEqual([]);
    expect(ORDER_TRANSITIONS.refunded).toEqual([]);
  });
});

describe('recordPaymentFailure', () => {
  test('keeps a pending order pending', () => {
    expect(recordPaymentFailure('pending_payment', 'card_declined')).toEqual({
      from: 'pending_payment',
      to: 'pending_payment',
      cause: 'card_declined',
    });
  });
  test.each(['paid', 'cancelled', 'refunded'] as const)('refuses it once %s', (from) => {
    expect(() => recordPaymentFailure(from, 'x')).toThrow(IllegalTransitionError);
  });
});

describe('refundFailureTransition', () => {
  const eur = (amount: number) => Money.of(amount, 'EUR');
  const paid = eur(3000);
  const cause = 'refund.failed: expired_or_canceled_card';

  describe('from refunded', () => {
    test('goes back to paid when nothing stays refunded and it was never shipped', () => {
      expect(
        refundFailureTransition(
          'refunded',
          { paid, stillRefunded: eur(0), history: ['pending_payment', 'paid', 'refunded'] },
          cause,
        ),
      ).toEqual({ from: 'refunded', to: 'paid', cause });
    });

    test('goes back to fulfilled when it had been shipped before the refund', () => {
      expect(
        refundFailureTransition(
          'refunded',
          {
            paid,
            stillRefunded: eur(0),
            history: ['pending_payment', 'paid', 'fulfilled', 'refunded'],
          },
          cause,
        ),
      ).toEqual({ from: 'refunded', to: 'fulfilled', cause });
    });

    test('goes back to partially_refunded when an earlier refund stays', () => {
      expect(
        refundFailureTransition(
          'refunded',
          {
            paid,
            stillRefunded: eur(1000),
            history: ['pending_payment', 'paid', 'partially_refunded', 'refunded'],
          },
          cause,
        ),
      ).toEqual({ from: 'refunded', to: 'partially_refunded', cause });
    });

    test('stays refunded, recorded, when the rest is still refunded in full', () => {
      expect(
        refundFailureTransition(
          'refunded',
          { paid, stillRefunded: eur(3000), history: ['pending_payment', 'paid', 'refunded'] },
          cause,
        ),
      ).toEqual({ from: 'refunded', to: 'refunded', cause });
    });
  });

  describe('from partially_refunded', () => {
    test('goes back to the status it had before the refunds began', () => {
      const history: OrderStatus[] = [
        'pending_payment',
        'paid',
        'refunded',
        'paid', // an earlier failed refund
        'fulfilled',
        'partially_refunded',
      ];
      expect(
        refundFailureTransition(
          'partially_refunded',
          { paid, stillRefunded: eur(0), history },
          cause,
        ),
      ).toEqual({ from: 'partially_refunded', to: 'fulfilled', cause });
    });

    test('stays partially_refunded, recorded, while another refund stays', () => {
      expect(
        refundFailureTransition(
          'partially_refunded',
          {
            paid,
            stillRefunded: eur(500),
            history: ['pending_payment', 'paid', 'partially_refunded'],
          },
          cause,
        ),
      ).toEqual({ from: 'partially_refunded', to: 'partially_refunded', cause });
    });
  });

  test.each(['paid', 'fulfilled'] as const)(
    'a refund that failed before it was counted keeps a %s order where it is, recorded',
    (from) => {
      expect(
        refundFailureTransition(
          from,
          { paid, stillRefunded: eur(0), history: ['pending_payment', 'paid', from] },
          cause,
        ),
      ).toEqual({ from, to: from, cause });
    },
  );

  test.each(['pending_payment', 'cancelled'] as const)('refuses it for a %s order', (from) => {
    expect(() =>
      refundFailureTransition(
        from,
        { paid, stillRefunded: eur(0), history: ['pending_payment', from] },
        cause,
      ),
    ).toThrow(IllegalTransitionError);
  });

  test('the way back exists only for failed refunds: transition() still refuses it', () => {
    for (const to of REFUND_FAILURE_TRANSITIONS.refunded.filter((s) => s !== 'refunded')) {
      expect(() => transition('refunded', to, 'admin')).toThrow(IllegalTransitionError);
    }
    expect(() => transition('partially_refunded', 'fulfilled', 'admin')).toThrow(
      IllegalTransitionError,
    );
  });
});
