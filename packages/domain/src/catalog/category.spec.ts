import { describe, expect, test } from '@jest/globals';

import { CategoryCycleError, CategoryInUseError, CategoryLimitError } from './catalog.errors.js';
import {
  assertMayDeleteCategory,
  assertMayMoveCategory,
  assertRoomForCategory,
  MAX_CATEGORIES,
} from './category.js';

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

describe('moving a category', () => {
  // root ─ a ─ b ─ c ; root ─ d
  const parentOf = new Map<string, string | null>([
    ['root', null],
    ['a', 'root'],
    ['b', 'a'],
    ['c', 'b'],
    ['d', 'root'],
  ]);

  test('may go to the root, a sibling branch or an ancestor', () => {
    expect(() => assertMayMoveCategory('b', null, parentOf)).not.toThrow();
    expect(() => assertMayMoveCategory('b', 'd', parentOf)).not.toThrow();
    expect(() => assertMayMoveCategory('c', 'root', parentOf)).not.toThrow();
  });

  test('may not go under itself or any of its subcategories', () => {
    expect(() => assertMayMoveCategory('b', 'b', parentOf)).toThrow(CategoryCycleError);
    expect(() => assertMayMoveCategory('a', 'c', parentOf)).toThrow(CategoryCycleError);
    expect(() => assertMayMoveCategory('root', 'b', parentOf)).toThrow(CategoryCycleError);
  });

  test('a loop already stored ends the walk instead of hanging it', () => {
    const looped = new Map<string, string | null>([
      ['x', 'y'],
      ['y', 'x'],
      ['z', null],
    ]);
    expect(() => assertMayMoveCategory('z', 'x', looped)).not.toThrow();
  });
});

describe('deleting a category', () => {
  test('only an empty one', () => {
    expect(() => assertMayDeleteCategory(0, 0)).not.toThrow();
    expect(() => assertMayDeleteCategory(1, 0)).toThrow(CategoryInUseError);
    expect(() => assertMayDeleteCategory(0, 2)).toThrow(CategoryInUseError);
  });
});
