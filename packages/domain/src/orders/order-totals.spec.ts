import { describe, expect, test } from '@jest/globals';

import { CurrencyMismatchError } from '../money/money.errors.js';
import { Money } from '../money/money.js';
import { OrderTotalTooLargeError, RefundExceedsPaymentError } from './order.errors.js';
import { MAX_ORDER_TOTAL, orderTotals, refundAmount, refundStatus } from './order-totals.js';

const eur = (amount: number) => Money.of(amount, 'EUR');

describe('orderTotals', () => {
  test('sums unit price × quantity of every line', () => {
    const t = orderTotals(
      [
        { unitPrice: eur(1299), quantity: 2 },
        { unitPrice: eur(500), quantity: 3 },
      ],
      'EUR',
    );
    expect(t.lineTotals.map((m) => m.amount)).toEqual([2598, 1500]);
    expect(t.subtotal.equals(eur(4098))).toBe(true);
    expect(t.total.equals(eur(4098))).toBe(true);
  });
  test('refuses lines of another currency', () => {
    expect(() => orderTotals([{ unitPrice: Money.of(100, 'USD'), quantity: 1 }], 'EUR')).toThrow(
      CurrencyMismatchError,
    );
  });

  describe('the most one payment can be', () => {
    test('is 99,999,999 minor units: the 8 digits Stripe takes', () => {
      expect(MAX_ORDER_TOTAL).toBe(99_999_999);
    });
    test('accepts an order of exactly that total', () => {
      const t = orderTotals(
        [
          { unitPrice: eur(33_333_333), quantity: 2 },
          { unitPrice: eur(33_333_333), quantity: 1 },
        ],
        'EUR',
      );
      expect(t.total.amount).toBe(99_999_999);
    });
    test('refuses one minor unit more, saying the total and the limit', () => {
      const lines = [
        { unitPrice: eur(50_000_000), quantity: 1 },
        { unitPrice: eur(49_999_999), quantity: 1 },
        { unitPrice: eur(1), quantity: 1 },
      ];
      let error: unknown;
      try {
        orderTotals(lines, 'EUR');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OrderTotalTooLargeError);
      const refused = error as OrderTotalTooLargeError;
      expect(refused.code).toBe('CHECKOUT.TOTAL_TOO_LARGE');
      expect(refused.total.equals(eur(100_000_000))).toBe(true);
      expect(refused.max.equals(eur(99_999_999))).toBe(true);
      expect(refused.message).toContain('1000000.00 EUR');
      expect(refused.message).toContain('999999.99 EUR');
    });
    test('refuses a single line whose quantity takes it over', () => {
      expect(() => orderTotals([{ unitPrice: eur(1_010_102), quantity: 99 }], 'EUR')).toThrow(
        OrderTotalTooLargeError,
      );
    });
    test('refuses the largest cart the limits allow (100 lines of 99 at the highest price)', () => {
      const line = { unitPrice: eur(99_999_999), quantity: 99 };
      expect(() =>
        orderTotals(
          Array.from({ length: 100 }, () => line),
          'EUR',
        ),
      ).toThrow(OrderTotalTooLargeError);
    });
  });
});

describe('refundAmount', () => {
  test('defaults to everything still refundable', () => {
    expect(refundAmount(eur(1000), eur(300), undefined).amount).toBe(700);
  });
  test('accepts a partial amount up to the rest', () => {
    expect(refundAmount(eur(1000), eur(300), eur(700)).amount).toBe(700);
  });
  test.each([0, -1, 701])('refuses %i', (amount) => {
    expect(() => refundAmount(eur(1000), eur(300), eur(amount))).toThrow(RefundExceedsPaymentError);
  });
  test('refuses when nothing is left', () => {
    expect(() => refundAmount(eur(1000), eur(1000), undefined)).toThrow(RefundExceedsPaymentError);
  });
});

describe('refundStatus', () => {
  test('partial until the whole payment is back', () => {
    expect(refundStatus(eur(1000), eur(1))).toBe('partially_refunded');
    expect(refundStatus(eur(1000), eur(1000))).toBe('refunded');
  });
});
