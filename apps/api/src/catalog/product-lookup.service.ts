import type { ProductDto } from '@minishop/contracts';
import { ProductNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { type CachedRead, CachedReads } from './cache/cached-reads.js';
import type { PendingLookup } from './cache/catalog-cache.js';
import { CatalogReadRepository } from './persistence/catalog-read.repository.js';
import { toProductDto } from './persistence/product.mapper.js';

/** One product by id or slug: cached for storefronts, fresh (archived too) for admins. */
@Injectable()
export class ProductLookupService {
  constructor(
    private readonly products: CatalogReadRepository,
    private readonly cached: CachedReads,
    private readonly config: AppConfig,
  ) {}

  /**
   * Public: archived products are not found. `earlier`: a cache lookup
   * already made for this request (see `CachedReads.read`).
   */
  published(idOrSlug: string, earlier?: PendingLookup): Promise<CachedRead> {
    return this.cached.read(
      `product:${idOrSlug}`,
      this.config.catalogListTtlSeconds,
      () => this.load(idOrSlug, false),
      earlier,
    );
  }

  /** Fresh from the database, archived included: what an admin write returns. */
  any(idOrSlug: string): Promise<ProductDto> {
    return this.load(idOrSlug, true);
  }

  private async load(idOrSlug: string, includeArchived: boolean): Promise<ProductDto> {
    const row = await this.products.findProduct(idOrSlug, includeArchived);
    if (!row) throw new ProductNotFoundError(idOrSlug);
    return toProductDto(row, this.config.storeCurrency);
  }
}
