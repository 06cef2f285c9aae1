import { describe, expect, test } from '@jest/globals';

import { money } from '../src/scenario.js';

describe('money (amounts in the scenario log)', () => {
  test('shows cents for a currency with two decimals', () => {
    expect(money({ amount: 1299, currency: 'EUR' })).toBe('12.99 EUR');
    expect(money({ amount: 5, currency: 'USD' })).toBe('0.05 USD');
  });

  test('shows yen whole: JPY has no minor unit', () => {
    expect(money({ amount: 1299, currency: 'JPY' })).toBe('1299 JPY');
  });

  test('shows thousandths for a three-decimal currency', () => {
    expect(money({ amount: 1299, currency: 'KWD' })).toBe('1.299 KWD');
  });
});
