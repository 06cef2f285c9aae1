import { describe, expect, test } from '@jest/globals';

import { pollingSpread } from './polling-spread.js';

describe('pollingSpread', () => {
  test('the first loop waits the interval, the others up to a quarter longer, no two alike', () => {
    const n = 16;
    const waits = Array.from({ length: n }, (_, i) => pollingSpread(2, i, n));
    expect(waits[0]).toBe(2);
    expect(Math.max(...waits)).toBeLessThan(2.5);
    expect(new Set(waits).size).toBe(n);
  });

  test('one loop, or none, waits the interval', () => {
    expect(pollingSpread(2, 0, 1)).toBe(2);
    expect(pollingSpread(0.5, 0, 0)).toBe(0.5);
  });
});
