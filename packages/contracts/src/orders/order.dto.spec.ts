import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { RefundRequestDto } from './order.dto.js';

const refused = (plain: object) =>
  validateSync(plainToInstance(RefundRequestDto, plain)).map((e) => e.property);

describe('RefundRequestDto', () => {
  describe('amount', () => {
    test('takes up to the most one order (one payment) may total', () => {
      expect(refused({ amount: { amount: 99_999_999, currency: 'EUR' } })).toEqual([]);
    });
    test('refuses more, as no payment can have been that large', () => {
      expect(refused({ amount: { amount: 100_000_000, currency: 'EUR' } })).toEqual(['amount']);
    });
  });
});
