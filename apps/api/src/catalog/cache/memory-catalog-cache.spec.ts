import { describe, expect, test } from '@jest/globals';

import { MemoryCatalogCache } from './memory-catalog-cache.js';
import { PAGE_CACHE_MAX_BYTES } from './page-lru.js';

const value = { body: '{"a":1}', etag: '"x"', expiresAt: Date.now() + 60_000 };

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

  test('holds pages up to a size budget, dropping the least recently used', async () => {
    const cache = new MemoryCatalogCache();
    const { generation } = await cache.get('k');
    // One string shared by every page: the test itself stays small.
    const page = { body: 'x'.repeat(1024 * 1024), etag: '"big"', expiresAt: Date.now() + 60_000 };
    const pages = (PAGE_CACHE_MAX_BYTES / page.body.length) * 2;
    for (let i = 0; i < pages; i++) await cache.set(`k${i}`, generation, page, 60);
    expect(cache.peek('k0')).toBeUndefined();
    expect(cache.peek(`k${pages - 1}`)).toBe(page);
  });
});
