import { describe, expect, test } from '@jest/globals';

import { CurrencyMismatchError, InvalidAmountError } from './money.errors.js';
import { Money } from './money.js';

const eur = (n: number) => Money.of(n, 'EUR');

describe('Money', () => {
  describe('of', () => {
    test('keeps integer minor units and the currency', () => {
      expect(eur(1299).toJSON()).toEqual({ amount: 1299, currency: 'EUR' });
    });
    test('refuses fractions of a minor unit', () => {
      expect(() => eur(12.5)).toThrow(InvalidAmountError);
    });
    test('refuses NaN, Infinity and unsafe integers', () => {
      expect(() => eur(Number.NaN)).toThrow(InvalidAmountError);
      expect(() => eur(Number.POSITIVE_INFINITY)).toThrow(InvalidAmountError);
      expect(() => eur(2 ** 53)).toThrow(InvalidAmountError);
    });
    test('refuses a currency that is not an ISO code', () => {
      expect(() => Money.of(1, 'eur')).toThrow(InvalidAmountError);
      expect(() => Money.of(1, 'EURO')).toThrow(InvalidAmountError);
    });
  });

  describe('arithmetic', () => {
    test('adds and subtracts in the same currency', () => {
      expect(eur(1000).add(eur(299)).amount).toBe(1299);
      expect(eur(1000).subtract(eur(1299)).amount).toBe(-299);
    });
    test('refuses to mix currencies', () => {
      expect(() => eur(1).add(Money.of(1, 'USD'))).toThrow(CurrencyMismatchError);
      expect(() => eur(1).compare(Money.of(1, 'USD'))).toThrow(CurrencyMismatchError);
    });
    test('multiplies by an integer quantity only', () => {
      expect(eur(1299).multiply(3).amount).toBe(3897);
      expect(() => eur(1299).multiply(1.5)).toThrow(InvalidAmountError);
    });
    test('sums a list, empty list is zero', () => {
      expect(Money.sum([eur(1), eur(2), eur(3)], 'EUR').amount).toBe(6);
      expect(Money.sum([], 'EUR').isZero()).toBe(true);
    });
    test('is immutable', () => {
      const a = eur(100);
      a.add(eur(5));
      expect(a.amount).toBe(100);
    });
  });

  describe('allocate', () => {
    test('splits without losing a cent, remainder to the first shares', () => {
      expect(
        eur(100)
          .allocate([1, 1, 1])
          .map((m) => m.amount),
      ).toEqual([34, 33, 33]);
      expect(
        eur(5)
          .allocate([3, 7])
          .map((m) => m.amount),
      ).toEqual([2, 3]);
    });
    test('parts always sum to the whole', () => {
      for (const amount of [0, 1, 7, 99, 1000, 123457]) {
        for (const ratios of [[1], [1, 2], [3, 3, 3], [5, 0, 2], [1, 1, 1, 1, 1, 1, 1]]) {
          const parts = eur(amount).allocate(ratios);
          expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(amount);
        }
      }
    });
    test('gives nothing to a zero ratio', () => {
      expect(
        eur(10)
          .allocate([0, 1, 1])
          .map((m) => m.amount),
      ).toEqual([0, 5, 5]);
    });
    test('keeps the sign of a negative amount', () => {
      expect(
        eur(-100)
          .allocate([1, 1, 1])
          .map((m) => m.amount),
      ).toEqual([-34, -33, -33]);
    });
    test('refuses empty, negative or all-zero ratios', () => {
      expect(() => eur(1).allocate([])).toThrow(InvalidAmountError);
      expect(() => eur(1).allocate([-1, 2])).toThrow(InvalidAmountError);
      expect(() => eur(1).allocate([0, 0])).toThrow(InvalidAmountError);
    });
  });

  describe('format', () => {
    test('writes two decimals for EUR', () => {
      expect(Money.of(1299, 'EUR').format()).toBe('12.99 EUR');
      expect(Money.of(5, 'EUR').format()).toBe('0.05 EUR');
      expect(Money.of(-1299, 'EUR').format()).toBe('-12.99 EUR');
    });

    test('writes no decimals for a currency without a minor unit (JPY)', () => {
      expect(Money.of(1299, 'JPY').format()).toBe('1299 JPY');
    });

    test('writes three decimals for a currency in thousandths (KWD)', () => {
      expect(Money.of(1299, 'KWD').format()).toBe('1.299 KWD');
      expect(Money.of(7, 'KWD').format()).toBe('0.007 KWD');
    });

    test('counts HUF, ISK and TWD in hundredths, as the payment provider does (ICU shows no decimals)', () => {
      expect(Money.of(1299, 'HUF').format()).toBe('12.99 HUF');
      expect(Money.of(50000, 'ISK').format()).toBe('500.00 ISK');
      expect(Money.of(1299, 'TWD').format()).toBe('12.99 TWD');
      expect(Money.of(1299, 'IDR').format()).toBe('12.99 IDR');
      expect(Money.of(1299, 'UGX').format()).toBe('1299 UGX');
    });
  });

  describe('comparison', () => {
    test('orders amounts', () => {
      expect(eur(1).lessThan(eur(2))).toBe(true);
      expect(eur(2).greaterThan(eur(1))).toBe(true);
      expect(eur(2).compare(eur(2))).toBe(0);
      expect(eur(2).equals(eur(2))).toBe(true);
      expect(eur(2).equals(Money.of(2, 'USD'))).toBe(false);
    });
  });
});
