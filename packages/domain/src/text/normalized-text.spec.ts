import { describe, expect, test } from '@jest/globals';

import { asciiUpperCased, normalizeWithin, trimmed } from './normalized-text.js';

describe('normalizeWithin', () => {
  test('a value within the limit as sent is normalised', () => {
    expect(normalizeWithin(' abc', 4, trimmed)).toBe('abc');
    expect(normalizeWithin('😀😀😀 ', 4, trimmed)).toBe('😀😀😀');
  });

  test('a value over the limit as sent is left as sent, surrounding spaces counted', () => {
    expect(normalizeWithin('abcd ', 4, trimmed)).toBe('abcd ');
    expect(normalizeWithin(' abcd ', 4, trimmed)).toBe(' abcd ');
  });

  test('a normalised form may be longer than the value sent: the caller checks it', () => {
    expect(normalizeWithin('abc\ufb00', 4, (v) => v.normalize('NFKC'))).toBe('abcff');
  });

  test('asciiUpperCased writes a code as its standard does, and maps nothing else', () => {
    expect(normalizeWithin('de', 2, asciiUpperCased)).toBe('DE');
    expect(normalizeWithin('ßé', 2, asciiUpperCased)).toBe('ßé');
  });
});
