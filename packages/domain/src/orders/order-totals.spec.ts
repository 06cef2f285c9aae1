import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { RefundExceedsPaymentError } from './order.errors.js';
import { orderTotals, refundAmount, refundStatus } from './order-totals.js';

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
    expect(() => orderTotals([{ unitPrice: Money.of(100, 'USD'), quantity: 1 }], 'EUR')).toThrow();
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
