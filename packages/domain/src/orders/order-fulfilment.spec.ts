import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { IllegalTransitionError, NothingLeftToShipForError } from './order.errors.js';
import { type FulfilmentFacts, fulfilmentTransition } from './order-fulfilment.js';
import { ORDER_STATUSES, type OrderStatus } from './order-status.js';

const eur = (amount: number) => Money.of(amount, 'EUR');
const anOrder = (
  status: OrderStatus,
  history: OrderStatus[],
  figures: { paid?: number; refunded?: number; requested?: number } = {},
): FulfilmentFacts => ({
  status,
  history,
  paid: eur(figures.paid ?? 3000),
  refunded: eur(figures.refunded ?? 0),
  requested: eur(figures.requested ?? 0),
});

describe('fulfilmentTransition', () => {
  test('a paid order ships', () => {
    expect(
      fulfilmentTransition('o', anOrder('paid', ['pending_payment', 'paid']), 'by:staff'),
    ).toEqual({ from: 'paid', to: 'fulfilled', cause: 'by:staff' });
  });

  test('the rest of a partial refund ships, whether or not the provider has confirmed it', () => {
    const asked = anOrder('paid', ['pending_payment', 'paid'], { requested: 1000 });
    const confirmed = anOrder(
      'partially_refunded',
      ['pending_payment', 'paid', 'partially_refunded'],
      {
        requested: 1000,
        refunded: 1000,
      },
    );
    expect(fulfilmentTransition('o', asked, 'x').to).toBe('fulfilled');
    expect(fulfilmentTransition('o', confirmed, 'x')).toEqual({
      from: 'partially_refunded',
      to: 'fulfilled',
      cause: 'x',
    });
  });

  test('an order shipped already and then partly refunded is not shipped again: 409', () => {
    const order = anOrder(
      'partially_refunded',
      ['pending_payment', 'paid', 'fulfilled', 'partially_refunded'],
      { requested: 1000, refunded: 1000 },
    );
    expect(() => fulfilmentTransition('o', order, 'x')).toThrow(IllegalTransitionError);
  });

  test('nothing ships for money that all went back, asked or confirmed', () => {
    expect(() =>
      fulfilmentTransition('o', anOrder('paid', ['paid'], { requested: 3000 }), 'x'),
    ).toThrow(NothingLeftToShipForError);
    expect(() =>
      fulfilmentTransition(
        'o',
        // Two partial refunds confirmed and a third, for the rest, asked.
        anOrder('partially_refunded', ['paid', 'partially_refunded'], {
          refunded: 2000,
          requested: 3000,
        }),
        'x',
      ),
    ).toThrow(NothingLeftToShipForError);
  });

  test.each(
    ORDER_STATUSES.filter((s) => s !== 'paid' && s !== 'partially_refunded').map((s) => [s]),
  )('a %s order does not ship: 409', (status) => {
    expect(() =>
      fulfilmentTransition('o', anOrder(status, ['pending_payment', status]), 'x'),
    ).toThrow(IllegalTransitionError);
  });
});
