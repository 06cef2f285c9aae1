import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { type CachedResponse, type CacheLookup, CatalogCache } from './catalog-cache.js';

// Reads the generation and the entry of that generation in one round trip,
// so a lookup costs the same as a plain GET.
const LOOKUP = `
local g = redis.call('GET', KEYS[1]) or '0'
return { g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2]) }
`;

/**
 * Shared adapter: every instance reads the generation from Redis, so a write
 * on one instance is visible to the next read on any other. A Redis outage
 * degrades to uncached reads rather than failed requests.
 */
export class RedisCatalogCache extends CatalogCache {
  private readonly logger = new Logger('CatalogCache');
  private readonly generationKey: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
    this.generationKey = `${prefix}generation`;
  }

  async get(key: string): Promise<CacheLookup> {
    try {
      const [generation, body] = (await this.redis.eval(
        LOOKUP,
        1,
        this.generationKey,
        this.prefix,
        key,
      )) as [string, string | null];
      return { generation, value: body === null ? undefined : decode(body) };
    } catch (error) {
      this.logger.warn({ err: error }, 'catalog cache lookup failed; serving uncached');
      // A generation no entry is stored under, so the set below is a no-op.
      return { generation: 'unavailable', value: undefined };
    }
  }

  async set(
    key: string,
    generation: string,
    value: CachedResponse,
    ttlSeconds: number,
  ): Promise<void> {
    if (generation === 'unavailable') return;
    try {
      await this.redis.set(
        `${this.prefix}${generation}:${key}`,
        `${value.etag}\n${value.body}`,
        'EX',
        ttlSeconds,
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'catalog cache store failed');
    }
  }

  async invalidate(): Promise<void> {
    try {
      // Entries of older generations are never read again and expire by TTL.
      await this.redis.incr(this.generationKey);
    } catch (error) {
      // The write this follows is committed: failing its request would only
      // invite a retry. Old entries still expire within the TTL.
      this.logger.error({ err: error }, 'catalog cache invalidation failed');
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

function decode(stored: string): CachedResponse {
  const nl = stored.indexOf('\n');
  return { etag: stored.slice(0, nl), body: stored.slice(nl + 1) };
}
