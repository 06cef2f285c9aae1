import { createHash } from 'node:crypto';

import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { DatabaseServer } from '../infrastructure/database/database-server.js';
import { CachedReads } from './cache/cached-reads.js';
import { CatalogCache } from './cache/catalog-cache.js';
import { CatalogChangeListener } from './cache/catalog-change-listener.js';
import { CatalogChanges } from './cache/catalog-changes.js';
import { CatalogInvalidationHandler } from './cache/catalog-invalidation.handler.js';
import { MemoryCatalogCache } from './cache/memory-catalog-cache.js';
import { RedisCatalogCache } from './cache/redis-catalog-cache.js';
import { CatalogController } from './catalog.controller.js';
import { CatalogAdminController } from './catalog-admin.controller.js';
import { CategoryAdminService } from './category-admin.service.js';
import { CategoryTreeService } from './category-tree.service.js';
import { CatalogFastPath } from './http/catalog-fast-path.js';
import { CatalogReadRepository } from './persistence/catalog-read.repository.js';
import { CatalogWriteRepository } from './persistence/catalog-write.repository.js';
import { CategoryWriteRepository } from './persistence/category-write.repository.js';
import { ProductAdminService } from './product-admin.service.js';
import { ProductListingService } from './product-listing.service.js';
import { ProductLookupService } from './product-lookup.service.js';
import { CatalogSeedService } from './seed/catalog-seed.service.js';
import { VariantAdminService } from './variant-admin.service.js';

function catalogCache(config: AppConfig, db: DatabaseServer): CatalogCache {
  if (config.catalogCache === 'memory' || !config.redisUrl) return new MemoryCatalogCache();
  // Scoped by database so two environments (or test databases) sharing one
  // Redis never serve each other's catalog.
  const scope = createHash('sha1').update(db.url).digest('hex').slice(0, 10);
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // The subscriber made by duplicate() keeps it too.
    commandTimeout: config.redisCommandTimeoutMs,
  });
  return new RedisCatalogCache(redis, `minishop:catalog:${scope}:`, redis.duplicate());
}

/**
 * Global so other features (imports, checkout reserving stock) can inject
 * `CatalogChanges` to invalidate, and the CLI's `seed` command can reach the seeder.
 */
@Global()
@Module({
  controllers: [CatalogController, CatalogAdminController],
  providers: [
    { provide: CatalogCache, inject: [AppConfig, DatabaseServer], useFactory: catalogCache },
    CachedReads,
    CatalogChanges,
    CatalogChangeListener,
    CatalogInvalidationHandler,
    CatalogFastPath,
    CatalogReadRepository,
    CatalogWriteRepository,
    CategoryWriteRepository,
    ProductListingService,
    ProductLookupService,
    CategoryTreeService,
    ProductAdminService,
    VariantAdminService,
    CategoryAdminService,
    CatalogSeedService,
  ],
  exports: [CatalogCache, CatalogChanges, CatalogSeedService],
})
export class CatalogModule implements OnApplicationShutdown {
  constructor(private readonly cache: CatalogCache) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.cache instanceof RedisCatalogCache) await this.cache.close();
  }
}
