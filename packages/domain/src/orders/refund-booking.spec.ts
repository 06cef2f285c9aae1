import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import {
  type ListedRefund,
  REFUND_BOOKING_METADATA,
  refundBookingMetadata,
  refundBookingMismatch,
  refundOfBooking,
} from './refund-booking.js';

const aRefund = (overrides: Partial<ListedRefund> = {}): ListedRefund => ({
  id: 're_1',
  status: 'succeeded',
  amount: Money.of(300, 'EUR'),
  metadata: refundBookingMetadata('refund-o-0-300'),
  ...overrides,
});

describe('refundOfBooking', () => {
  test('finds the refund that names the booking', () => {
    const other = aRefund({ id: 're_0', metadata: refundBookingMetadata('refund-o-300-200') });
    const mine = aRefund({ id: 're_1' });
    expect(refundOfBooking([other, mine], 'refund-o-0-300')).toBe(mine);
  });
  test('a refund without the booking in its metadata (made in the dashboard, or before refunds named their booking) is not it', () => {
    expect(refundOfBooking([aRefund({ metadata: {} })], 'refund-o-0-300')).toBeNull();
  });
  test('no refunds at all → null', () => {
    expect(refundOfBooking([], 'refund-o-0-300')).toBeNull();
  });
});

describe('refundBookingMismatch', () => {
  const booking = { key: 'refund-o-0-300', amount: Money.of(300, 'EUR') };

  describe('accepts', () => {
    test('a refund of the amount booked, named for the booking', () => {
      expect(refundBookingMismatch(booking, aRefund())).toBeNull();
    });
    test('a refund naming no booking (made by hand in the dashboard), of the amount booked', () => {
      expect(refundBookingMismatch(booking, aRefund({ metadata: {} }))).toBeNull();
    });
    test('a refund still pending', () => {
      expect(refundBookingMismatch(booking, aRefund({ status: 'pending' }))).toBeNull();
    });
    test('a refund named for it of less than booked: the rest of a whole refund', () => {
      expect(refundBookingMismatch(booking, aRefund({ amount: Money.of(120, 'EUR') }))).toBeNull();
    });
    test.each(['failed', 'canceled'] as const)(
      'a %s refund named for it: its own events take its amount back',
      (status) => {
        expect(refundBookingMismatch(booking, aRefund({ status }))).toBeNull();
      },
    );
  });

  describe('refuses', () => {
    test('a refund named for another booking', () => {
      const refund = aRefund({ metadata: { [REFUND_BOOKING_METADATA]: 'refund-o-300-200' } });
      expect(refundBookingMismatch(booking, refund)).toMatch(
        /another booking \(refund-o-300-200\)/,
      );
    });
    test.each(['failed', 'canceled'] as const)('a %s refund naming no booking', (status) => {
      expect(refundBookingMismatch(booking, aRefund({ status, metadata: {} }))).toMatch(
        new RegExp(`is ${status}: it gave nothing back`),
      );
    });
    test('another amount, naming no booking', () => {
      expect(
        refundBookingMismatch(booking, aRefund({ metadata: {}, amount: Money.of(200, 'EUR') })),
      ).toBe('refund re_1 is of 2.00 EUR, the booking of 3.00 EUR');
    });
    test('more than booked, though named for it', () => {
      expect(refundBookingMismatch(booking, aRefund({ amount: Money.of(301, 'EUR') }))).toBe(
        'refund re_1 is of 3.01 EUR, the booking of 3.00 EUR',
      );
    });
    test('the same figure in another currency', () => {
      expect(refundBookingMismatch(booking, aRefund({ amount: Money.of(300, 'USD') }))).toMatch(
        /3\.00 USD, the booking of 3\.00 EUR/,
      );
    });
  });
});
