import type {
  AdminProductQueryDto,
  ProductPageDto,
  ProductQueryDto,
  StaffProductPageDto,
} from '@minishop/contracts';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { type CachedRead, CachedReads } from './cache/cached-reads.js';
import type { PendingLookup } from './cache/catalog-cache.js';
import {
  CatalogReadRepository,
  type ProductFilter,
} from './persistence/catalog-read.repository.js';
import { toProductDto, toStaffProductDto } from './persistence/product.mapper.js';
import type { ProductRow } from './persistence/product-row.js';
import { decodeCursor, encodeCursor, type ProductCursor } from './product-cursor.js';

/**
 * The query as the listing reads it: the cursor decoded (a bad one is a
 * 400), the search text with its spaces collapsed, and an empty `?q=` as no
 * search, as an empty `?category=` is a storefront's "all categories".
 */
function readQuery(query: ProductQueryDto): {
  after: ProductCursor | undefined;
  q: string | undefined;
  category: string | undefined;
} {
  return {
    after: query.cursor ? decodeCursor(query.cursor, query.sort) : undefined,
    q: query.q?.trim().replace(/\s+/g, ' ') || undefined,
    category: query.category || undefined,
  };
}

/**
 * `GET /products`: one filtered, sorted page, served from the catalog cache;
 * and staff's list of every product, fresh.
 */
@Injectable()
export class ProductListingService {
  constructor(
    private readonly products: CatalogReadRepository,
    private readonly cached: CachedReads,
    private readonly config: AppConfig,
  ) {}

  /** `earlier`: a cache lookup already made for this request (see `CachedReads.read`). */
  page(query: ProductQueryDto, earlier?: PendingLookup): Promise<CachedRead> {
    // Read before the cache so a bad cursor is a 400 even when a page is cached.
    const { after, q, category } = readQuery(query);
    // The key is the normalised query, so `?limit=20` and `?sort=newest&limit=20` share an entry.
    const key = `list:${JSON.stringify([q, category, query.minPrice, query.maxPrice, query.sort, query.limit, query.cursor])}`;
    return this.cached.read(
      key,
      this.config.catalogListTtlSeconds,
      () => this.publicPage({ ...query, q, category }, after),
      earlier,
    );
  }

  /**
   * `GET /admin/products`: the same filters and pages, archived products
   * too, fresh from the database (staff act on what they read).
   */
  async staffPage(query: AdminProductQueryDto): Promise<StaffProductPageDto> {
    const { after, q, category } = readQuery(query);
    const { rows, nextCursor } = await this.load(
      { ...query, q, category },
      after,
      query.status ?? 'any',
    );
    const currency = this.config.storeCurrency;
    return { items: rows.map((r) => toStaffProductDto(r, currency)), nextCursor };
  }

  private async publicPage(
    query: ProductQueryDto,
    after: ProductCursor | undefined,
  ): Promise<ProductPageDto> {
    const { rows, nextCursor } = await this.load(query, after);
    const currency = this.config.storeCurrency;
    return { items: rows.map((r) => toProductDto(r, currency)), nextCursor };
  }

  private async load(
    query: ProductQueryDto,
    after: ProductCursor | undefined,
    status: ProductFilter['status'] = 'active',
  ): Promise<{ rows: ProductRow[]; nextCursor: string | null }> {
    const rows = await this.products.listProducts({
      status,
      ...(query.q !== undefined ? { q: query.q } : {}),
      ...(query.category !== undefined ? { category: query.category } : {}),
      ...(query.minPrice !== undefined ? { minPrice: query.minPrice } : {}),
      ...(query.maxPrice !== undefined ? { maxPrice: query.maxPrice } : {}),
      sort: query.sort,
      limit: query.limit,
      ...(after ? { after } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({
            sort: query.sort,
            key:
              query.sort === 'price' || query.sort === '-price'
                ? Number(last.sort_key)
                : String(last.sort_key),
            id: last.id,
          })
        : null;
    return { rows: page, nextCursor };
  }
}
