import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { MAX_ORDER_TOTAL } from '@minishop/domain';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { MoneyAmountDto } from './money.dto.js';
import { DEFAULT_PAGE_SIZE, PageQueryDto } from './pagination.dto.js';

const check = <T extends object>(cls: new () => T, plain: object) => {
  const dto = plainToInstance(cls, plain);
  return { dto, errors: validateSync(dto).map((e) => e.property) };
};

describe('PageQueryDto', () => {
  test('defaults the limit', () => {
    const { dto, errors } = check(PageQueryDto, {});
    expect(errors).toEqual([]);
    expect(dto.limit).toBe(DEFAULT_PAGE_SIZE);
  });
  test('turns a query string limit into a number', () => {
    const { dto, errors } = check(PageQueryDto, { limit: '50' });
    expect(errors).toEqual([]);
    expect(dto.limit).toBe(50);
  });
  test.each([['0'], ['101'], ['abc'], ['2.5'], [''], [' '], ['0x10'], ['1e1'], ['1.0']])(
    'refuses limit=%j',
    (limit) => {
      expect(check(PageQueryDto, { limit }).errors).toEqual(['limit']);
    },
  );
});

describe('MoneyAmountDto', () => {
  test('accepts integer minor units up to one order', () => {
    expect(check(MoneyAmountDto, { amount: 1299, currency: 'EUR' }).errors).toEqual([]);
    expect(check(MoneyAmountDto, { amount: MAX_ORDER_TOTAL, currency: 'EUR' }).errors).toEqual([]);
  });
  test('refuses floats, negatives, more than an order and bad currencies', () => {
    expect(check(MoneyAmountDto, { amount: 12.99, currency: 'EUR' }).errors).toEqual(['amount']);
    expect(check(MoneyAmountDto, { amount: -1, currency: 'EUR' }).errors).toEqual(['amount']);
    expect(check(MoneyAmountDto, { amount: MAX_ORDER_TOTAL + 1, currency: 'EUR' }).errors).toEqual([
      'amount',
    ]);
    expect(check(MoneyAmountDto, { amount: 1, currency: 'euro' }).errors).toEqual(['currency']);
  });
});
