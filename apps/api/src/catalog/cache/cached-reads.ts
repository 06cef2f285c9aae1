import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { type CachedResponse, CatalogCache, type PendingLookup } from './catalog-cache.js';

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
  constructor(private readonly cache: CatalogCache) {}

  /**
   * `earlier` is the lookup the HTTP front door made for this request before
   * handing it on (a miss, or no answer in time): taken over, it makes a miss
   * cost one round trip to the store, not two. Its generation was read before
   * `load` runs, so the page is at least as new as the generation it is
   * stored under; if the catalog moved on in between, the page lands under a
   * generation no read asks for any more.
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
    const fresh = toResponse(await load());
    await this.cache.set(key, generation, fresh, ttlSeconds);
    return { key, response: fresh };
  }
}

export function toResponse(payload: unknown): CachedResponse {
  const body = JSON.stringify(payload);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}
