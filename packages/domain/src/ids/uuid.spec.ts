import { describe, expect, test } from '@jest/globals';

import { isUuid } from './uuid.js';

describe('isUuid', () => {
  test('a UUID, in either case', () => {
    expect(isUuid('6f1f8f4e-3c1e-4f6e-9a53-1d2c3b4a5e6f')).toBe(true);
    expect(isUuid('6F1F8F4E-3C1E-4F6E-9A53-1D2C3B4A5E6F')).toBe(true);
  });

  test('anything else', () => {
    for (const value of ['', '-'.repeat(36), '6f1f8f4e3c1e4f6e9a531d2c3b4a5e6f', 'my-product']) {
      expect(isUuid(value)).toBe(false);
    }
  });
});
