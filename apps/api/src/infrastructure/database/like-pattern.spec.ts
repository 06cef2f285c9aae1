import { describe, expect, test } from '@jest/globals';

import { likePattern } from './like-pattern.js';

describe('likePattern', () => {
  test('matches the text anywhere', () => {
    expect(likePattern('ada')).toBe('%ada%');
  });

  test('escapes the wildcards and the escape character itself', () => {
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});
