import { describe, expect, test } from '@jest/globals';

import { lazily } from './lazily.js';

describe('lazily', () => {
  test('makes the value once, on the first call, and shares it, even while pending', async () => {
    let runs = 0;
    const value = lazily(async () => ++runs);
    expect(runs).toBe(0);
    const [a, b] = await Promise.all([value(), value()]);
    expect([a, b, await value()]).toEqual([1, 1, 1]);
    expect(runs).toBe(1);
  });

  test('a failure is not kept: the next call makes it again', async () => {
    let runs = 0;
    const value = lazily(async () => {
      runs++;
      if (runs === 1) throw new Error('first try fails');
      return 'made';
    });
    await expect(value()).rejects.toThrow('first try fails');
    expect(await value()).toBe('made');
    expect(await value()).toBe('made');
    expect(runs).toBe(2);
  });
});
