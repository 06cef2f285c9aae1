import { describe, expect, test } from '@jest/globals';

import { CategoryLimitError } from './catalog.errors.js';
import { assertRoomForCategory, MAX_CATEGORIES } from './category.js';

describe('categories', () => {
  test(`the catalog takes categories up to ${MAX_CATEGORIES}`, () => {
    expect(() => assertRoomForCategory(MAX_CATEGORIES - 1)).not.toThrow();
  });
  test('several at once must all fit', () => {
    expect(() => assertRoomForCategory(MAX_CATEGORIES - 3, 3)).not.toThrow();
    expect(() => assertRoomForCategory(MAX_CATEGORIES - 3, 4)).toThrow(CategoryLimitError);
    expect(() => assertRoomForCategory(MAX_CATEGORIES, 0)).not.toThrow();
  });
  test('one more is a conflict with a stable code', () => {
    try {
      assertRoomForCategory(MAX_CATEGORIES);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(CategoryLimitError);
      expect((e as CategoryLimitError).code).toBe('CATALOG.CATEGORY_LIMIT');
      expect((e as CategoryLimitError).message).toBe('The catalog has at most 1000 categories');
    }
  });
});
