import { describe, expect, test } from '@jest/globals';

import { MemoryCatalogCache } from './memory-catalog-cache.js';

const value = { body: '{"a":1}', etag: '"x"' };

describe('MemoryCatalogCache', () => {
  test('stores under the current generation and serves it back', async () => {
    const cache = new MemoryCatalogCache();
    const { generation } = await cache.get('k');
    await cache.set('k', generation, value, 60);
    expect((await cache.get('k')).value).toEqual(value);
    expect(cache.peek('k')).toBe(value);
  });

  test('invalidate drops every entry at once', async () => {
    const cache = new MemoryCatalogCache();
    const { generation } = await cache.get('k');
    await cache.set('k', generation, value, 60);
    await cache.invalidate();
    const after = await cache.get('k');
    expect(after.value).toBeUndefined();
    expect(cache.peek('k')).toBeUndefined();
    expect(after.generation).not.toBe(generation);
  });

  test('a value computed before an invalidation is not stored after it', async () => {
    const cache = new MemoryCatalogCache();
    const { generation } = await cache.get('k');
    await cache.invalidate();
    await cache.set('k', generation, value, 60);
    expect((await cache.get('k')).value).toBeUndefined();
  });
});
