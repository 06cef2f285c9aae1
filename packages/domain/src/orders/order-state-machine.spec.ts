import { describe, expect, test } from '@jest/globals';

import { IllegalTransitionError } from './order.errors.js';
import { ORDER_TRANSITIONS, recordPaymentFailure, transition } from './order-state-machine.js';
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
