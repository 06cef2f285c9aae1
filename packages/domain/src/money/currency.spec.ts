import { describe, expect, test } from '@jest/globals';

import { isKnownCurrency } from './currency.js';

describe('isKnownCurrency', () => {
  test('knows current ISO 4217 codes, and withdrawn ones a provider may still use', () => {
    for (const code of ['EUR', 'USD', 'JPY', 'KWD', 'SLE', 'STD']) {
      expect(isKnownCurrency(code)).toBe(true);
    }
  });
  test('refuses three capitals that name no currency', () => {
    expect(isKnownCurrency('ABC')).toBe(false);
    expect(isKnownCurrency('EEE')).toBe(false);
  });
  test('refuses anything not spelled as a code, lower case included', () => {
    for (const code of ['', 'E', 'eur', 'EURO', 'US$', ' EUR']) {
      expect(isKnownCurrency(code)).toBe(false);
    }
  });
});
