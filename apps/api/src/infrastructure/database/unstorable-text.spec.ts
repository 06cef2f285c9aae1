import { describe, expect, test } from '@jest/globals';

import { storablePrefix, unstorableTextIn, unstorableTextMessage } from './unstorable-text.js';

describe('unstorableTextIn', () => {
  test('names the nested field whose string holds U+0000', () => {
    expect(
      unstorableTextIn({ name: 'ok', variants: [{ sku: 'A' }, { name: 'a\u0000b' }] }),
    ).toEqual({ path: 'variants.1.name', reason: 'nul' });
  });

  test('is the empty path for a string value itself', () => {
    expect(unstorableTextIn('\u0000')).toEqual({ path: '', reason: 'nul' });
  });

  test('finds a lone surrogate, high or low, but not a pair', () => {
    expect(unstorableTextIn({ email: 'a\ud800b@x.de' })).toEqual({
      path: 'email',
      reason: 'lone-surrogate',
    });
    expect(unstorableTextIn({ a: { b: ['x\udc00'] } })).toEqual({
      path: 'a.b.0',
      reason: 'lone-surrogate',
    });
    expect(unstorableTextIn({ name: 'mug 😀 \ud83d\ude00' })).toBeUndefined();
    // A pair written backwards is two lone halves.
    expect(unstorableTextIn('\ude00\ud83d')?.reason).toBe('lone-surrogate');
  });

  test('checks keys as well as values', () => {
    expect(unstorableTextIn({ metadata: { 'k\ud800': 'v' } })).toEqual({
      path: 'metadata.k\ud800',
      reason: 'lone-surrogate',
    });
    expect(unstorableTextIn({ 'a\u0000': 1 })).toEqual({ path: 'a\u0000', reason: 'nul' });
  });

  test('is undefined when every string can be stored', () => {
    expect(unstorableTextIn({ q: 'mug', limit: 20, tags: ['a'], none: null })).toBeUndefined();
  });

  test('says which rule the field breaks', () => {
    expect(unstorableTextMessage('name', 'nul')).toBe(
      'name must not contain NUL (U+0000) characters',
    );
    expect(unstorableTextMessage('email', 'lone-surrogate')).toMatch(
      /^email must be well-formed Unicode text/,
    );
  });
});

describe('storablePrefix', () => {
  test('keeps a text that fits, and cuts a longer one to the limit', () => {
    expect(storablePrefix('abc', 3)).toBe('abc');
    expect(storablePrefix('abcdef', 4)).toBe('abcd');
  });

  test('never leaves half of a character outside the BMP', () => {
    // '😀' is two UTF-16 units: a cut after 2 units would keep its first half.
    expect(storablePrefix('ab😀c', 3)).toBe('ab');
    expect(storablePrefix('ab😀c', 4)).toBe('ab😀');
    expect(unstorableTextIn(storablePrefix(`a${'😀'.repeat(300)}`, 500))).toBeUndefined();
    expect(unstorableTextIn(storablePrefix(`aa${'😀'.repeat(300)}`, 500))).toBeUndefined();
  });

  test('writes U+FFFD for a lone surrogate anywhere, as a text column would', () => {
    expect(storablePrefix('a\ud800b\ude00c 😀', 20)).toBe('a\ufffdb\ufffdc 😀');
  });

  test('drops NUL characters, which PostgreSQL cannot store', () => {
    expect(storablePrefix('a\u0000b\u0000c', 10)).toBe('abc');
    expect(storablePrefix('\u0000\u0000abcd', 3)).toBe('abc');
  });
});
