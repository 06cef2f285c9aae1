import { Injectable } from '@nestjs/common';

import { type CachedRead, CachedReads } from './cache/cached-reads.js';
import type { PendingLookup } from './cache/catalog-cache.js';
import { CatalogReadRepository } from './persistence/catalog-read.repository.js';
import { toCategoryTree } from './persistence/product.mapper.js';

// Categories change only through admin writes, which invalidate the cache.
const CATEGORY_TTL_SECONDS = 300;

/** `GET /categories`: the whole tree, cached. */
@Injectable()
export class CategoryTreeService {
  constructor(
    private readonly catalog: CatalogReadRepository,
    private readonly cached: CachedReads,
  ) {}

  /** `earlier`: a cache lookup already made for this request (see `CachedReads.read`). */
  tree(earlier?: PendingLookup): Promise<CachedRead> {
    return this.cached.read(
      'categories',
      CATEGORY_TTL_SECONDS,
      async () => toCategoryTree(await this.catalog.categories()),
      earlier,
    );
  }
}
