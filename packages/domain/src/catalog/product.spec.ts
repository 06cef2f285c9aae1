import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { MAX_ORDER_TOTAL } from '../orders/order-totals.js';
import {
  InvalidCatalogValueError,
  StockAboveMaximumError,
  StockBelowReservedError,
  VariantLimitError,
} from './catalog.errors.js';
import {
  adjustStock,
  assertRoomForVariant,
  assertSku,
  assertSlug,
  availableStock,
  inSkuOrder,
  isSellable,
  MAX_ON_HAND,
  MAX_PRICE,
  MAX_VARIANTS_PER_PRODUCT,
  priceRange,
  slugFor,
  slugify,
  variantDisplayName,
  variantPrice,
} from './product.js';

describe('slugify', () => {
  test('folds accents and punctuation into single hyphens', () => {
    expect(slugify('  Crème Brûlée — Deluxe!! 2kg ')).toBe('creme-brulee-deluxe-2kg');
  });
  test('is deterministic', () => {
    expect(slugify('Red Mug')).toBe(slugify('Red Mug'));
  });
  test('refuses a name with nothing to keep', () => {
    expect(() => slugify('!!!')).toThrow(InvalidCatalogValueError);
  });
  test('refuses a name that would make a UUID-shaped slug (read as an id)', () => {
    expect(() => slugify('0B7D9C2E 5A41 4E3F 8B6A 2C1D0E9F8A7B')).toThrow(InvalidCatalogValueError);
  });
  test('result always satisfies the slug rule', () => {
    expect(assertSlug(slugify('A'.repeat(300) + ' b'))).toHaveLength(120);
  });
});

describe('slugFor', () => {
  test('checks the slug sent, else derives one from the name', () => {
    expect(slugFor('Red Mug', 'mug-1')).toBe('mug-1');
    expect(slugFor('Red Mug', undefined)).toBe('red-mug');
    // A JSON body's null for an optional field, as `@IsOptional` lets it through.
    expect(slugFor('Red Mug', null)).toBe('red-mug');
    expect(() => slugFor('Red Mug', 'Not A Slug')).toThrow(InvalidCatalogValueError);
  });
});

describe('assertSlug / assertSku', () => {
  test.each(['red-mug', 'a1', 'x'])('accepts slug %s', (s) => expect(assertSlug(s)).toBe(s));
  test.each(['Red', 'a--b', '-a', 'a-', 'a b', '', '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b'])(
    'refuses slug "%s"',
    (s) => {
      expect(() => assertSlug(s)).toThrow(InvalidCatalogValueError);
    },
  );
  test.each(['MUG-RED-1', 'A1'])('accepts sku %s', (s) => expect(assertSku(s)).toBe(s));
  test.each(['mug', '-MUG', 'M', 'MUG_1', 'A'.repeat(65)])('refuses sku "%s"', (s) => {
    try {
      assertSku(s, 'variants.0.sku');
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidCatalogValueError);
      expect((e as InvalidCatalogValueError).fields[0]?.field).toBe('variants.0.sku');
    }
  });
});

describe('inSkuOrder', () => {
  test('sorts by SKU code unit by code unit, leaving the input as it was', () => {
    const input = [{ sku: 'MUG-S' }, { sku: 'MUG-L' }, { sku: 'CAP-M' }, { sku: 'MUG-M' }];
    expect(inSkuOrder(input, (v) => v.sku).map((v) => v.sku)).toEqual([
      'CAP-M',
      'MUG-L',
      'MUG-M',
      'MUG-S',
    ]);
    expect(input[0]?.sku).toBe('MUG-S');
  });

  test('orders digits before letters, as the byte order does', () => {
    expect(inSkuOrder(['B1', 'A9', 'AB', 'A10'], (s) => s)).toEqual(['A10', 'A9', 'AB', 'B1']);
  });
});

describe('variantPrice', () => {
  test('accepts positive minor units in the store currency', () => {
    expect(
      variantPrice({ amount: 1299, currency: 'EUR' }, 'EUR').equals(Money.of(1299, 'EUR')),
    ).toBe(true);
  });
  test('accepts the most one order may total: a single unit can always be paid', () => {
    expect(MAX_PRICE).toBe(MAX_ORDER_TOTAL);
    expect(variantPrice({ amount: 99_999_999, currency: 'EUR' }, 'EUR').amount).toBe(99_999_999);
  });
  test.each([0, -1, 1.5, 100_000_000])('refuses amount %s', (amount) => {
    expect(() => variantPrice({ amount, currency: 'EUR' }, 'EUR')).toThrow(
      InvalidCatalogValueError,
    );
  });
  test('refuses another currency, naming the field', () => {
    try {
      variantPrice({ amount: 100, currency: 'USD' }, 'EUR');
      throw new Error('accepted');
    } catch (e) {
      expect((e as InvalidCatalogValueError).fields[0]?.field).toBe('price.currency');
      expect((e as InvalidCatalogValueError).code).toBe('CATALOG.INVALID_VALUE');
    }
  });
});

describe('stock', () => {
  test('available is on hand minus reserved', () => {
    expect(availableStock({ onHand: 10, reserved: 3 })).toBe(7);
  });
  test('adjusting adds the delta', () => {
    expect(adjustStock({ onHand: 10, reserved: 3 }, -7)).toEqual({ onHand: 3, reserved: 3 });
    expect(adjustStock({ onHand: 0, reserved: 0 }, 5)).toEqual({ onHand: 5, reserved: 0 });
  });
  test('never below reserved', () => {
    try {
      adjustStock({ onHand: 10, reserved: 3 }, -8);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(StockBelowReservedError);
      expect((e as StockBelowReservedError).code).toBe('CATALOG.STOCK_BELOW_RESERVED');
    }
  });
  test('never above the most a variant can hold', () => {
    expect(adjustStock({ onHand: MAX_ON_HAND - 5, reserved: 0 }, 5).onHand).toBe(MAX_ON_HAND);
    expect(() => adjustStock({ onHand: MAX_ON_HAND - 5, reserved: 0 }, 6)).toThrow(
      StockAboveMaximumError,
    );
  });
  test('zero or fractional delta is invalid input', () => {
    expect(() => adjustStock({ onHand: 1, reserved: 0 }, 0)).toThrow(InvalidCatalogValueError);
    expect(() => adjustStock({ onHand: 1, reserved: 0 }, 0.5)).toThrow(InvalidCatalogValueError);
  });
});

describe('products', () => {
  test(`a product takes variants up to ${MAX_VARIANTS_PER_PRODUCT}`, () => {
    expect(() => assertRoomForVariant(MAX_VARIANTS_PER_PRODUCT - 1)).not.toThrow();
    expect(() => assertRoomForVariant(MAX_VARIANTS_PER_PRODUCT)).toThrow(VariantLimitError);
  });
  test('archived products are not sellable', () => {
    expect(isSellable('active')).toBe(true);
    expect(isSellable('archived')).toBe(false);
  });
  test('price range spans the variants', () => {
    const r = priceRange([Money.of(500, 'EUR'), Money.of(200, 'EUR'), Money.of(900, 'EUR')]);
    expect(r?.min.amount).toBe(200);
    expect(r?.max.amount).toBe(900);
    expect(priceRange([])).toBeNull();
  });
});

describe('variantDisplayName', () => {
  test('product and variant, as cart and order lines both show them', () => {
    expect(variantDisplayName('Mug', 'Blue')).toBe('Mug – Blue');
    expect(variantDisplayName('Tee', 'M / Black')).toBe('Tee – M / Black');
  });
});
