import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { type CachedResponse, CatalogCache } from './catalog-cache.js';

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

  async read(key: string, ttlSeconds: number, load: () => Promise<unknown>): Promise<CachedRead> {
    const { generation, value } = await this.cache.get(key);
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
