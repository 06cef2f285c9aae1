import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import {
  type CachedResponse,
  type CacheEntry,
  CatalogCache,
  isPage,
  type PendingLookup,
  UNCACHED_GENERATION,
} from './catalog-cache.js';

/** A public reply with the cache key it is stored under (the HTTP fast path serves hits by it). */
export interface CachedRead {
  key: string;
  response: CachedResponse;
}

/** What a read that may find no page found, with its cache key. */
export interface CachedAnswer {
  key: string;
  entry: CacheEntry;
}

/** What a load for `CachedReads.answer` found: a payload to send, or no page (see CachedAbsence). */
export type Loaded = { page: unknown } | { movedTo: string | null };

/**
 * Read-through helper of the public catalog routes: a hit returns the stored
 * serialised body and ETag as they are, so the hot path never touches the
 * database nor re-serialises JSON.
 */
@Injectable()
export class CachedReads {
  /**
   * Loads under way, by generation and key. Right after an invalidation
   * every request for a hot page misses at once: without this, each would
   * run the page's full query, and the database would take a burst of the
   * same query just when the shop is busiest.
   */
  private readonly loading = new Map<string, Promise<CacheEntry>>();

  constructor(private readonly cache: CatalogCache) {}

  /**
   * `earlier` is the lookup the HTTP front door made for this request before
   * handing it on (a miss, or no answer in time): taken over, it makes a miss
   * cost one round trip to the store, not two. Its generation was read before
   * `load` runs, so the page is at least as new as the generation it is
   * stored under; if the catalog moved on in between, the page lands under a
   * generation no read asks for any more.
   *
   * Concurrent misses of one key in one generation share one load, and its
   * failure; a miss in a newer generation starts its own, so a request
   * after a write never gets a page loaded before it. Uncached reads (the
   * store cannot tell the generation, so nothing tells a load begun before
   * a write from one after it) each load their own.
   */
  async read(
    key: string,
    ttlSeconds: number,
    load: () => Promise<unknown>,
    earlier?: PendingLookup,
  ): Promise<CachedRead> {
    const { entry } = await this.answer(
      key,
      ttlSeconds,
      async () => ({ page: await load() }),
      earlier,
    );
    // Only `answer` stores absences, under keys of its own callers.
    if (!isPage(entry)) throw new Error(`catalog cache key ${key} holds no page`);
    return { key, response: entry };
  }

  /**
   * `read` for a key that may name nothing: what `load` found, a page or
   * its absence, is cached alike (see CachedAbsence).
   */
  async answer(
    key: string,
    ttlSeconds: number,
    load: () => Promise<Loaded>,
    earlier?: PendingLookup,
  ): Promise<CachedAnswer> {
    const { generation, value } = await (earlier?.key === key
      ? earlier.result
      : this.cache.get(key));
    if (value) return { key, entry: value };
    if (generation === UNCACHED_GENERATION)
      return { key, entry: toEntry(await load(), ttlSeconds) };
    const flight = `${generation}:${key}`;
    let pending = this.loading.get(flight);
    if (!pending) {
      pending = this.loadAndStore(key, generation, ttlSeconds, load).finally(() =>
        this.loading.delete(flight),
      );
      this.loading.set(flight, pending);
    }
    return { key, entry: await pending };
  }

  private async loadAndStore(
    key: string,
    generation: string,
    ttlSeconds: number,
    load: () => Promise<Loaded>,
  ): Promise<CacheEntry> {
    const fresh = toEntry(await load(), ttlSeconds);
    await this.cache.set(key, generation, fresh, ttlSeconds);
    return fresh;
  }
}

/** The entry for what a load found, stamped as loaded now and kept `ttlSeconds`. */
function toEntry(loaded: Loaded, ttlSeconds: number): CacheEntry {
  const expiresAt = Date.now() + ttlSeconds * 1000;
  if (!('page' in loaded)) return { movedTo: loaded.movedTo, expiresAt };
  const body = JSON.stringify(loaded.page);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, expiresAt };
}
