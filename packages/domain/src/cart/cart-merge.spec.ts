import { describe, expect, test } from '@jest/globals';

import { Money } from '../money/money.js';
import { mergedAddedUnitPrice, mergeGuestLine } from './cart-merge.js';
import type { CartVariant } from './cart-rules.js';

const variant = (over: Partial<CartVariant> = {}): CartVariant => ({
  id: 'v1',
  productId: 'p1',
  sku: 'TEE-M',
  name: 'Tee M',
  price: Money.of(1299, 'EUR'),
  available: 500,
  archived: false,
  ...over,
});

describe('mergeGuestLine', () => {
  describe('when everything fits', () => {
    test('merges the sum into the user line', () => {
      expect(mergeGuestLine(variant(), 2, 3, false)).toEqual({ outcome: 'merged', quantity: 5 });
    });
    test('makes a new line when the user has none', () => {
      expect(mergeGuestLine(variant(), 0, 3, false)).toEqual({ outcome: 'merged', quantity: 3 });
    });
    test('adds to a line the user has even in a full cart', () => {
      expect(mergeGuestLine(variant(), 2, 3, true)).toEqual({ outcome: 'merged', quantity: 5 });
    });
  });

  describe('drops the guest line', () => {
    test('of an archived variant, whatever the user line holds', () => {
      expect(mergeGuestLine(variant({ archived: true }), 0, 3, false)).toEqual({
        outcome: 'dropped',
        reason: 'archived',
      });
      expect(mergeGuestLine(variant({ archived: true }), 4, 3, true)).toEqual({
        outcome: 'dropped',
        reason: 'archived',
      });
    });
    test('of a variant gone from the catalog, as archived', () => {
      expect(mergeGuestLine(undefined, 0, 3, false)).toEqual({
        outcome: 'dropped',
        reason: 'archived',
      });
    });
    test('of a new variant when the cart is full', () => {
      expect(mergeGuestLine(variant(), 0, 3, true)).toEqual({
        outcome: 'dropped',
        reason: 'cart_full',
      });
    });
    test('of a variant out of stock', () => {
      expect(mergeGuestLine(variant({ available: 0 }), 0, 3, false)).toEqual({
        outcome: 'dropped',
        reason: 'insufficient_stock',
      });
    });
    test('when the user line already holds what stock allows, or more', () => {
      expect(mergeGuestLine(variant({ available: 2 }), 4, 4, false)).toEqual({
        outcome: 'dropped',
        reason: 'insufficient_stock',
      });
    });
    test('when the user line already holds 99', () => {
      expect(mergeGuestLine(variant(), 99, 5, false)).toEqual({
        outcome: 'dropped',
        reason: 'line_limit',
      });
    });
  });

  describe('caps the merged line', () => {
    test('at 99 per line', () => {
      expect(mergeGuestLine(variant(), 60, 60, false)).toEqual({
        outcome: 'capped',
        quantity: 99,
        requested: 120,
        reason: 'line_limit',
      });
    });
    test('at the stock available', () => {
      expect(mergeGuestLine(variant({ available: 6 }), 4, 4, false)).toEqual({
        outcome: 'capped',
        quantity: 6,
        requested: 8,
        reason: 'insufficient_stock',
      });
    });
    test('a new line at the stock available', () => {
      expect(mergeGuestLine(variant({ available: 2 }), 0, 5, false)).toEqual({
        outcome: 'capped',
        quantity: 2,
        requested: 5,
        reason: 'insufficient_stock',
      });
    });
    test('naming the lower bound: stock under 99, else the line limit', () => {
      expect(mergeGuestLine(variant({ available: 80 }), 60, 60, false)).toMatchObject({
        quantity: 80,
        reason: 'insufficient_stock',
      });
      expect(mergeGuestLine(variant({ available: 99 }), 60, 60, false)).toMatchObject({
        quantity: 99,
        reason: 'line_limit',
      });
    });
  });
});

describe('mergedAddedUnitPrice', () => {
  test('keeps the user line’s price when it differs from the current one', () => {
    expect(mergedAddedUnitPrice(1200, 1000, 1100)).toBe(1000);
    expect(mergedAddedUnitPrice(1200, 1000, 1200)).toBe(1000);
  });
  test('else keeps the guest line’s price when it differs', () => {
    expect(mergedAddedUnitPrice(1200, 1200, 1000)).toBe(1000);
    expect(mergedAddedUnitPrice(1200, undefined, 1000)).toBe(1000);
  });
  test('else the current price', () => {
    expect(mergedAddedUnitPrice(1200, 1200, 1200)).toBe(1200);
    expect(mergedAddedUnitPrice(1200, undefined, 1200)).toBe(1200);
  });
});
