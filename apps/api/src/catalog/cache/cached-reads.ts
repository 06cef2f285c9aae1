import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { type CachedResponse, CatalogCache } from './catalog-cache.js';

/**
 * Read-through helper of the public catalog routes: a hit returns the stored
 * serialised body and ETag as they are, so the hot path never touches the
 * database nor re-serialises JSON.
 */
@Injectable()
export class CachedReads {
  constructor(private readonly cache: CatalogCache) {}

  async read(
    key: string,
    ttlSeconds: number,
    load: () => Promise<unknown>,
  ): Promise<CachedResponse> {
    const { generation, value } = await this.cache.get(key);
    if (value) return value;
    const fresh = toResponse(await load());
    await this.cache.set(key, generation, fresh, ttlSeconds);
    return fresh;
  }
}

export function toResponse(payload: unknown): CachedResponse {
  const body = JSON.stringify(payload);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}
