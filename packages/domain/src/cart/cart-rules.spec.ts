import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import {
  InsufficientStockForCartError,
  InvalidCartQuantityError,
  LineQuantityLimitError,
  VariantArchivedError,
  VariantOutOfStockError,
} from './cart.errors.js';
import {
  assertQuantityToSet,
  type CartVariant,
  checkQuantityChange,
  closedGuestCartDeletionCutoff,
  guestCartExpiryCutoff,
  mergedQuantity,
  priceCart,
  quantityAfterAdd,
} from './cart-rules.js';

const variant = (over: Partial<CartVariant> = {}): CartVariant => ({
  id: 'v1',
  productId: 'p1',
  sku: 'TEE-M',
  name: 'Tee M',
  price: Money.of(1299, 'EUR'),
  available: 50,
  archived: false,
  ...over,
});

describe('quantityAfterAdd', () => {
  test('adds to what the line holds', () => {
    expect(quantityAfterAdd(variant(), 3, 4)).toBe(7);
  });
  test('refuses 0, 100 and fractions', () => {
    for (const q of [0, 100, 1.5, -1]) {
      expect(() => quantityAfterAdd(variant(), 0, q)).toThrow(InvalidCartQuantityError);
    }
  });
  test('refuses a total over 99 naming what the line holds', () => {
    const v = variant({ available: 500 });
    expect(quantityAfterAdd(v, 90, 9)).toBe(99);
    expect(() => quantityAfterAdd(v, 90, 10)).toThrow(LineQuantityLimitError);
    expect(() => quantityAfterAdd(v, 90, 10)).toThrow(/already has 90 of TEE-M/);
  });
  test('refuses archived and out-of-stock variants', () => {
    expect(() => quantityAfterAdd(variant({ archived: true }), 0, 1)).toThrow(VariantArchivedError);
    expect(() => quantityAfterAdd(variant({ available: 0 }), 0, 1)).toThrow(VariantOutOfStockError);
  });
  test('refuses more than is available', () => {
    expect(() => quantityAfterAdd(variant({ available: 5 }), 3, 3)).toThrow(
      InsufficientStockForCartError,
    );
  });
});

describe('assertQuantityToSet', () => {
  test('takes 0 (remove) to 99', () => {
    for (const q of [0, 1, 99]) expect(() => assertQuantityToSet(q)).not.toThrow();
  });
  test('refuses -1, 100 and fractions', () => {
    for (const q of [-1, 100, 2.5, Number.NaN]) {
      expect(() => assertQuantityToSet(q)).toThrow(/from 0 to 99/);
    }
  });
});

describe('checkQuantityChange', () => {
  test('lowering is allowed even when archived or short', () => {
    expect(() =>
      checkQuantityChange(variant({ archived: true, available: 0 }), 5, 2),
    ).not.toThrow();
  });
  test('raising follows the add rules', () => {
    expect(() => checkQuantityChange(variant({ available: 4 }), 2, 5)).toThrow(
      InsufficientStockForCartError,
    );
    expect(() => checkQuantityChange(variant({ archived: true }), 2, 3)).toThrow(
      VariantArchivedError,
    );
    expect(() => checkQuantityChange(variant(), 2, 100)).toThrow(InvalidCartQuantityError);
  });
});

describe('mergedQuantity', () => {
  test('sums', () => {
    expect(mergedQuantity(variant(), 2, 3)).toBe(5);
  });
  test('caps at 99', () => {
    expect(mergedQuantity(variant({ available: 500 }), 60, 60)).toBe(99);
  });
  test('caps at the stock available', () => {
    expect(mergedQuantity(variant({ available: 6 }), 4, 4)).toBe(6);
  });
  test('never lowers what the user already had', () => {
    expect(mergedQuantity(variant({ available: 2 }), 4, 4)).toBe(4);
    expect(mergedQuantity(variant({ archived: true }), 4, 4)).toBe(4);
    expect(mergedQuantity(undefined, 0, 4)).toBe(0);
  });
});

describe('priceCart', () => {
  test('prices at the current price and flags issues', () => {
    const variants = new Map([
      ['v1', variant()],
      ['v2', variant({ id: 'v2', sku: 'B', price: Money.of(500, 'EUR'), available: 1 })],
      ['v3', variant({ id: 'v3', sku: 'C', archived: true })],
    ]);
    const cart = priceCart(
      [
        { id: 'l1', variantId: 'v1', quantity: 2, addedUnitPrice: 1299 },
        { id: 'l2', variantId: 'v2', quantity: 3, addedUnitPrice: 400 },
        { id: 'l3', variantId: 'v3', quantity: 1, addedUnitPrice: 1299 },
        { id: 'l4', variantId: 'gone', quantity: 1, addedUnitPrice: 1 },
      ],
      variants,
      'EUR',
    );
    expect(cart.lines.map((l) => [l.id, l.lineTotal.amount, l.issues])).toEqual([
      ['l1', 2598, []],
      ['l2', 1500, ['insufficient_stock', 'price_changed']],
      ['l3', 1299, ['archived']],
    ]);
    expect(cart.subtotal.toJSON()).toEqual({ amount: 5397, currency: 'EUR' });
    expect(cart.itemCount).toBe(6);
  });
  test('an empty cart is zero in the store currency', () => {
    const cart = priceCart([], new Map(), 'EUR');
    expect(cart.subtotal.toJSON()).toEqual({ amount: 0, currency: 'EUR' });
    expect(cart.itemCount).toBe(0);
  });
});

test('guest carts expire after 30 days', () => {
  expect(guestCartExpiryCutoff(new Date('2026-03-31T00:00:00Z')).toISOString()).toBe(
    '2026-03-01T00:00:00.000Z',
  );
});

test('closed guest carts are deleted 30 days after they were closed', () => {
  expect(closedGuestCartDeletionCutoff(new Date('2026-03-31T12:00:00Z')).toISOString()).toBe(
    '2026-03-01T12:00:00.000Z',
  );
});
