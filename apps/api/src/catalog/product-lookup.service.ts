import type { ProductDto, StaffProductDto } from '@minishop/contracts';
import { isUuid, ProductNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { type CachedRead, CachedReads, type Loaded } from './cache/cached-reads.js';
import { isPage, type PendingLookup } from './cache/catalog-cache.js';
import { CatalogReadRepository } from './persistence/catalog-read.repository.js';
import { toProductDto, toStaffProductDto } from './persistence/product.mapper.js';
import type { ProductRow } from './persistence/product-row.js';

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
   * Whatever is found is cached under the id or slug, the page, its
   * absence or the redirect alike: unknown slugs asked for again and again
   * (old links, crawlers, a flood) then cost the database nothing until the
   * TTL or the next catalog write, which drops them all, so a product
   * created, renamed, archived or restored under the slug is seen at once.
   */
  async published(idOrSlug: string, earlier?: PendingLookup): Promise<PublishedProduct> {
    const { key, entry } = await this.cached.answer(
      `product:${idOrSlug}`,
      this.config.catalogListTtlSeconds,
      () => this.find(idOrSlug),
      earlier,
    );
    if (isPage(entry)) return { page: { key, response: entry } };
    if (entry.movedTo === null) throw new ProductNotFoundError(idOrSlug);
    return { movedTo: entry.movedTo };
  }

  /** Fresh from the database, archived included: what an admin write returns. */
  async any(idOrSlug: string): Promise<ProductDto> {
    return toProductDto(await this.anyRow(idOrSlug), this.config.storeCurrency);
  }

  /** `GET /admin/products/:id`: as `any`, with each variant's stock in full. */
  async forStaff(id: string): Promise<StaffProductDto> {
    return toStaffProductDto(await this.anyRow(id), this.config.storeCurrency);
  }

  private async anyRow(idOrSlug: string): Promise<ProductRow> {
    const row = await this.products.findProduct(idOrSlug, true);
    if (!row) throw new ProductNotFoundError(idOrSlug);
    return row;
  }

  /** Only a slug no active product holds asks for a former one: a current slug costs one query. */
  private async find(idOrSlug: string): Promise<Loaded> {
    const row = await this.products.findProduct(idOrSlug, false);
    if (row) return { page: toProductDto(row, this.config.storeCurrency) };
    return { movedTo: isUuid(idOrSlug) ? null : await this.products.currentSlugOf(idOrSlug) };
  }
}
