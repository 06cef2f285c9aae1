import { randomBytes } from 'node:crypto';

import type { TestingModuleBuilder } from '@nestjs/testing';
import { Redis } from 'ioredis';

import { CatalogCache } from '../../src/catalog/cache/catalog-cache.js';
import { RedisCatalogCache } from '../../src/catalog/cache/redis-catalog-cache.js';
import { AppConfig } from '../../src/infrastructure/config/app-config.js';

/**
 * The Redis catalog cache as an instance runs it while its invalidation
 * subscription is down: no near cache, so every hit is read from Redis.
 * Its keys live under a prefix of its own, which `generationKey` names.
 */
export function redisOnlyCatalog(
  redisUrl: string,
  commandTimeoutMs = AppConfig.fromEnv({}).redisCommandTimeoutMs,
) {
  const prefix = `minishop:test-redis-only:${randomBytes(4).toString('hex')}:`;
  // Options as catalog.module.ts sets them.
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: commandTimeoutMs,
  });
  const cache = new RedisCatalogCache(redis, prefix);
  return {
    cache,
    /** The app's own connection (closed with the app). */
    redis,
    generationKey: `${prefix}generation`,
    override: (builder: TestingModuleBuilder) =>
      builder.overrideProvider(CatalogCache).useValue(cache),
  };
}
