import { describe, expect, test } from '@jest/globals';

import { codePointLength } from './code-points.js';

describe('codePointLength', () => {
  test('counts an astral character (a surrogate pair) as one', () => {
    expect('😀'.length).toBe(2);
    expect(codePointLength('😀')).toBe(1);
    expect(codePointLength('a😀b')).toBe(3);
  });

  test('counts a variation selector as a character of its own, as JSON Schema does', () => {
    // U+2764 U+FE0F: one emoji on screen, two code points.
    expect(codePointLength('\u2764\ufe0f')).toBe(2);
    expect(codePointLength('😀\ufe0f')).toBe(2);
  });

  test('counts combining marks and lone surrogates one each', () => {
    expect(codePointLength('e\u0301')).toBe(2);
    expect(codePointLength('\ud800x')).toBe(2);
    expect(codePointLength('')).toBe(0);
  });
});
