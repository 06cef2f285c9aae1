import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import {
  IllegalTransitionError,
  NothingLeftToShipForError,
  PartlyRefundedOrderError,
} from './order.errors.js';
import { fulfilmentTransition } from './order-fulfilment.js';
import type { RefundableOrder } from './order-refunds.js';
import { ORDER_STATUSES, type OrderStatus } from './order-status.js';

const eur = (amount: number) => Money.of(amount, 'EUR');
const anOrder = (
  status: OrderStatus,
  figures: { paid?: number; refunded?: number; requested?: number; outside?: number } = {},
): RefundableOrder => ({
  status,
  paid: eur(figures.paid ?? 3000),
  refunded: eur(figures.refunded ?? 0),
  requested: eur(figures.requested ?? 0),
  ...(figures.outside === undefined ? {} : { returnedOutside: eur(figures.outside) }),
});

describe('fulfilmentTransition', () => {
  test('a paid order nothing was asked back of ships', () => {
    expect(fulfilmentTransition('o', anOrder('paid'), 'by:staff')).toEqual({
      from: 'paid',
      to: 'fulfilled',
      cause: 'by:staff',
    });
  });

  test('part of it asked back, confirmed or not, or returned outside the shop: 409 partly refunded', () => {
    for (const order of [
      anOrder('paid', { requested: 1000 }),
      anOrder('paid', { refunded: 1000 }),
      anOrder('paid', { outside: 1000 }),
    ]) {
      expect(() => fulfilmentTransition('o', order, 'x')).toThrow(PartlyRefundedOrderError);
    }
  });

  test('all of it asked back or returned: 409 refunded in full', () => {
    expect(() => fulfilmentTransition('o', anOrder('paid', { requested: 3000 }), 'x')).toThrow(
      NothingLeftToShipForError,
    );
    expect(() => fulfilmentTransition('o', anOrder('paid', { outside: 3000 }), 'x')).toThrow(
      NothingLeftToShipForError,
    );
  });

  test.each(ORDER_STATUSES.filter((s) => s !== 'paid').map((s) => [s]))(
    'a %s order does not ship: 409 illegal transition',
    (status) => {
      expect(() => fulfilmentTransition('o', anOrder(status), 'x')).toThrow(IllegalTransitionError);
    },
  );
});
