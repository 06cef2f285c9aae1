import type { ProductDto } from '@minishop/contracts';
import { isUuid, ProductNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { type CachedRead, CachedReads } from './cache/cached-reads.js';
import type { PendingLookup } from './cache/catalog-cache.js';
import { CatalogReadRepository } from './persistence/catalog-read.repository.js';
import { toProductDto } from './persistence/product.mapper.js';

/** What the storefront finds under an id or slug: the product's page, or its current slug. */
export type PublishedProduct = { page: CachedRead } | { movedTo: string };

/** One product by id or slug: cached for storefronts, fresh (archived too) for admins. */
@Injectable()
export class ProductLookupService {
  constructor(
    private readonly products: CatalogReadRepository,
    private readonly cached: CachedReads,
    private readonly config: AppConfig,
  ) {}

  /**
   * Public: archived products are not found. A slug the product had before
   * finds its current slug (`movedTo`), so old links can be redirected.
   * `earlier`: a cache lookup already made for this request (see
   * `CachedReads.read`).
   *
   * Only a miss asks for a former slug, so a current slug costs what it
   * always did. The answer is not cached: the redirect is worked out afresh
   * each time, and cannot outlive a rename.
   */
  async published(idOrSlug: string, earlier?: PendingLookup): Promise<PublishedProduct> {
    try {
      const page = await this.cached.read(
        `product:${idOrSlug}`,
        this.config.catalogListTtlSeconds,
        () => this.load(idOrSlug, false),
        earlier,
      );
      return { page };
    } catch (error) {
      if (!(error instanceof ProductNotFoundError) || isUuid(idOrSlug)) throw error;
      const movedTo = await this.products.currentSlugOf(idOrSlug);
      if (movedTo === null) throw error;
      return { movedTo };
    }
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
