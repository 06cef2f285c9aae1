import { LRUCache } from 'lru-cache';

import { type CacheEntry, isPage } from './catalog-cache.js';

export const PAGE_CACHE_MAX_ENTRIES = 5_000;
export const PAGE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** The share of either budget that keys read only once may hold. */
const PROBATION_SHARE = 0.2;

const sizeOf = (entry: CacheEntry) => (isPage(entry) ? Math.max(1, entry.body.length) : 1);

function lru(share: number): LRUCache<string, CacheEntry> {
  return new LRUCache<string, CacheEntry>({
    max: Math.round(PAGE_CACHE_MAX_ENTRIES * share),
    maxSize: Math.round(PAGE_CACHE_MAX_BYTES * share),
    sizeCalculation: sizeOf,
  });
}

/**
 * An in-process store of catalog pages, bounded by count and by the size of
 * their bodies. Its keys are the clients' to choose (every filter, search,
 * price, limit and unknown slug is another key): bounded by count alone,
 * 5,000 full pages of products with long descriptions would hold gigabytes.
 *
 * Segmented, so that those keys cannot push the shop's hot pages out: an
 * entry starts on probation, in a fifth of the budget; read there once
 * more, it moves to the protected four fifths, where only keys read at
 * least twice compete. A crawler's or an attacker's one-off keys (random
 * slugs, random searches) then only ever evict one another.
 */
export class PageLru {
  private readonly probation = lru(PROBATION_SHARE);
  private readonly protected = lru(1 - PROBATION_SHARE);

  get(key: string): CacheEntry | undefined {
    const hot = this.protected.get(key);
    if (hot !== undefined) return hot;
    const value = this.probation.get(key);
    if (value === undefined) return undefined;
    // Its second read: it earns a place beside the hot pages, for what is
    // left of its time to live (Infinity for an entry stored without one).
    const ttl = this.probation.getRemainingTTL(key);
    this.probation.delete(key);
    if (ttl > 0) this.protected.set(key, value, Number.isFinite(ttl) ? { ttl } : {});
    return value;
  }

  /** Stored for `ttl` ms; a key already protected (written again) stays so. */
  set(key: string, value: CacheEntry, { ttl }: { ttl: number }): void {
    if (this.protected.has(key)) {
      this.protected.set(key, value, { ttl });
      return;
    }
    this.probation.set(key, value, { ttl });
  }

  clear(): void {
    this.probation.clear();
    this.protected.clear();
  }
}
