import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import {
  type CachedResponse,
  CatalogCache,
  type PendingLookup,
  UNCACHED_GENERATION,
} from './catalog-cache.js';

/** A public reply with the cache key it is stored under (the HTTP fast path serves hits by it). */
export interface CachedRead {
  key: string;
  response: CachedResponse;
}

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
  private readonly loading = new Map<string, Promise<CachedResponse>>();

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
    const { generation, value } = await (earlier?.key === key
      ? earlier.result
      : this.cache.get(key));
    if (value) return { key, response: value };
    if (generation === UNCACHED_GENERATION) return { key, response: toResponse(await load()) };
    const flight = `${generation}:${key}`;
    let pending = this.loading.get(flight);
    if (!pending) {
      pending = this.loadAndStore(key, generation, ttlSeconds, load).finally(() =>
        this.loading.delete(flight),
      );
      this.loading.set(flight, pending);
    }
    return { key, response: await pending };
  }

  private async loadAndStore(
    key: string,
    generation: string,
    ttlSeconds: number,
    load: () => Promise<unknown>,
  ): Promise<CachedResponse> {
    const fresh = toResponse(await load());
    await this.cache.set(key, generation, fresh, ttlSeconds);
    return fresh;
  }
}

export function toResponse(payload: unknown): CachedResponse {
  const body = JSON.stringify(payload);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}
