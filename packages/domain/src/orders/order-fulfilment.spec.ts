import { describe, expect, test } from '@jest/globals';

import {
  IllegalTransitionError,
  NothingLeftToShipForError,
  PartlyRefundedOrderError,
} from './order.errors.js';
import { fulfilmentTransition } from './order-fulfilment.js';
import { ORDER_STATUSES } from './order-status.js';
import { aRefundableOrder } from './refundable-order.fixture.js';

const anOrder = aRefundableOrder;

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
