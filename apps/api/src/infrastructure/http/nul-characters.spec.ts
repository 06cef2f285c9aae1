import { describe, expect, test } from '@jest/globals';

import { nulCharacterPath } from './nul-characters.js';

describe('nulCharacterPath', () => {
  test('names the nested field whose string holds U+0000', () => {
    expect(nulCharacterPath({ name: 'ok', variants: [{ sku: 'A' }, { name: 'a\u0000b' }] })).toBe(
      'variants.1.name',
    );
  });

  test('is the empty path for a string value itself', () => {
    expect(nulCharacterPath('\u0000')).toBe('');
  });

  test('is undefined when no string holds one', () => {
    expect(nulCharacterPath({ q: 'mug', limit: 20, tags: ['a'], none: null })).toBeUndefined();
  });
});
