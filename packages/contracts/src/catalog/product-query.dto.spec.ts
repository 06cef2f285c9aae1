import 'reflect-metadata';

import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

import { ProductQueryDto } from './product-query.dto.js';
import { UpdateProductDto } from './product-write.dto.js';

const errors = <T extends object>(cls: new () => T, plain: object) =>
  validateSync(plainToInstance(cls, plain)).map((e) => e.property);

describe('ProductQueryDto', () => {
  test('defaults sort and limit', () => {
    const dto = plainToInstance(ProductQueryDto, {});
    expect(validateSync(dto)).toEqual([]);
    expect(dto.sort).toBe('newest');
    expect(dto.limit).toBe(20);
  });
  test('minPrice greater than maxPrice names both fields', () => {
    expect(errors(ProductQueryDto, { minPrice: '500', maxPrice: '100' }).sort()).toEqual([
      'maxPrice',
      'minPrice',
    ]);
  });
  test('an equal range and a single bound are fine', () => {
    expect(errors(ProductQueryDto, { minPrice: '100', maxPrice: '100' })).toEqual([]);
    expect(errors(ProductQueryDto, { minPrice: '100' })).toEqual([]);
  });
  test.each([
    [{ sort: 'cheapest' }, 'sort'],
    [{ minPrice: '-1' }, 'minPrice'],
    [{ maxPrice: '1.5' }, 'maxPrice'],
    [{ maxPrice: '' }, 'maxPrice'],
    [{ minPrice: '0x10' }, 'minPrice'],
    [{ limit: '0' }, 'limit'],
  ])('refuses %j', (query, field) => {
    expect(errors(ProductQueryDto, query)).toEqual([field]);
  });
});

describe('UpdateProductDto', () => {
  test('a left-out field is fine, null for a required field is not', () => {
    expect(errors(UpdateProductDto, {})).toEqual([]);
    expect(errors(UpdateProductDto, { name: null })).toEqual(['name']);
    expect(errors(UpdateProductDto, { categoryId: null })).toEqual([]);
  });
});
