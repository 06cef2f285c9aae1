import { describe, expect, test } from '@jest/globals';

import { maxAgeOf } from './send-cached.js';

describe('maxAgeOf', () => {
  const loadedAt = 1_764_000_000_000;
  const page = { body: '{}', etag: '"e"', expiresAt: loadedAt + 60_000 };

  test('a page just loaded: the full max-age', () => {
    expect(maxAgeOf(page, 60, loadedAt)).toBe(60);
    expect(maxAgeOf(page, 60, loadedAt + 999)).toBe(60);
  });

  test('falls by one for every whole second the entry has been cached', () => {
    expect(maxAgeOf(page, 60, loadedAt + 1_000)).toBe(59);
    expect(maxAgeOf(page, 60, loadedAt + 42_500)).toBe(18);
  });

  test("never more than the route's max-age, nor below 0 once the entry is due", () => {
    expect(maxAgeOf(page, 5, loadedAt + 10_000)).toBe(5);
    expect(maxAgeOf(page, 5, loadedAt + 57_000)).toBe(3);
    expect(maxAgeOf(page, 60, loadedAt + 60_000)).toBe(0);
    expect(maxAgeOf(page, 60, loadedAt + 61_000)).toBe(0);
  });
});
