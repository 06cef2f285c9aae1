import { LRUCache } from 'lru-cache';

import { type CacheEntry, isPage } from './catalog-cache.js';

export const PAGE_CACHE_MAX_ENTRIES = 5_000;
export const PAGE_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * An in-process store of catalog pages, bounded by count and by the size of
 * their bodies. Its keys are the clients' to choose (every filter, price and
 * limit up to 100 is another page): bounded by count alone, 5,000 full pages
 * of products with long descriptions would hold gigabytes.
 */
export function pageLru(): LRUCache<string, CacheEntry> {
  return new LRUCache<string, CacheEntry>({
    max: PAGE_CACHE_MAX_ENTRIES,
    maxSize: PAGE_CACHE_MAX_BYTES,
    sizeCalculation: (entry) => (isPage(entry) ? Math.max(1, entry.body.length) : 1),
  });
}
