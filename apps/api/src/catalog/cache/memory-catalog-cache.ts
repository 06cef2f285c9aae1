import { type CacheEntry, type CacheLookup, CatalogCache } from './catalog-cache.js';
import { PageLru } from './page-lru.js';

/**
 * In-process adapter for a single instance (no REDIS_URL). Bounded by entry
 * count and size so a crawler walking every filter combination cannot grow
 * it forever.
 */
export class MemoryCatalogCache extends CatalogCache {
  private generation = 0;
  private readonly entries = new PageLru();

  get(key: string): Promise<CacheLookup> {
    const generation = String(this.generation);
    return Promise.resolve({ generation, value: this.entries.get(`${generation}:${key}`) });
  }

  peek(key: string): CacheEntry | undefined {
    return this.entries.get(`${this.generation}:${key}`);
  }

  /** Nothing beyond `peek`: this process is the only store. */
  lookup(): undefined {
    return undefined;
  }

  set(key: string, generation: string, value: CacheEntry, ttlSeconds: number): Promise<void> {
    if (generation === String(this.generation)) {
      this.entries.set(`${generation}:${key}`, value, { ttl: ttlSeconds * 1000 });
    }
    return Promise.resolve();
  }

  invalidate(): Promise<boolean> {
    this.generation += 1;
    // Old-generation entries can never be read again: free them now.
    this.entries.clear();
    return Promise.resolve(true);
  }
}
