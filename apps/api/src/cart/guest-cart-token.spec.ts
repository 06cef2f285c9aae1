import { createHash } from 'node:crypto';

import { describe, expect, test } from '@jest/globals';

import { cartTokenHash, newCartToken } from './guest-cart-token.js';

describe('guest cart tokens', () => {
  test('are 32 random bytes in base64url, different every time', () => {
    const a = newCartToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newCartToken()).not.toBe(a);
  });

  test('are stored as their SHA-256 in hex', () => {
    const token = newCartToken();
    expect(cartTokenHash(token)).toBe(createHash('sha256').update(token).digest('hex'));
  });

  test('a missing or malformed token has no hash, so it matches no cart', () => {
    for (const bad of [undefined, '', 'short', `${'A'.repeat(42)}=`, `${'A'.repeat(43)} `]) {
      expect(cartTokenHash(bad)).toBeNull();
    }
  });
});
