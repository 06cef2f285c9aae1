import type {
  CreateProductDto,
  CreateVariantDto,
  ProductDto,
  UpdateProductDto,
} from '@minishop/contracts';
import {
  assertSku,
  assertSlug,
  DuplicateSkuError,
  DuplicateSlugError,
  inSkuOrder,
  ProductNotFoundError,
  slugFor,
  UnknownCategoryError,
  variantPrice,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CatalogChanges } from './cache/catalog-changes.js';
import { CatalogWriteRepository } from './persistence/catalog-write.repository.js';
import { lockProductSlugs } from './persistence/product-slug-lock.js';
import { ProductLookupService } from './product-lookup.service.js';

/** Admin use cases on products: create (with variants), partial update, archive. */
@Injectable()
export class ProductAdminService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogWriteRepository,
    private readonly changes: CatalogChanges,
    private readonly lookup: ProductLookupService,
    private readonly config: AppConfig,
  ) {}

  async create(input: CreateProductDto, actorId: string | null): Promise<ProductDto> {
    const slug = slugFor(input.name, input.slug);
    const id = await this.tx.run(
      async (m) => {
        if (input.categoryId && !(await this.catalog.categoryExists(m, input.categoryId))) {
          throw new UnknownCategoryError('categoryId', input.categoryId);
        }
        // An import adding variants under this slug counts them after this
        // lock: it then sees this product's (see lockProductSlugs).
        await lockProductSlugs(m, [slug]);
        const productId = await this.catalog.insertProduct(m, {
          slug,
          name: input.name,
          description: input.description ?? '',
          categoryId: input.categoryId ?? null,
        });
        if (!productId) throw new DuplicateSlugError(slug);
        await this.addVariants(m, productId, input.variants, actorId, 'variants');
        await this.changes.record(m);
        return productId;
      },
      // A writer inserting some of the same SKUs in another order (the
      // import writes them in file order) can deadlock with this one; run
      // again, it finds their SKUs committed or gone and answers for that.
      { retries: 2 },
    );
    return this.lookup.any(id);
  }

  /** Shared with the variant use case: inserts, records initial stock, refreshes the range. */
  async addVariants(
    m: EntityManager,
    productId: string,
    variants: readonly CreateVariantDto[],
    actorId: string | null,
    field: string | null,
  ): Promise<string[]> {
    const ids: string[] = [];
    const bySku = inSkuOrder([...variants.entries()], ([, v]) => v.sku);
    for (const [i, v] of bySku) {
      const at = field === null ? '' : `${field}.${i}.`;
      assertSku(v.sku, `${at}sku`);
      const price = variantPrice(v.price, this.config.storeCurrency, `${at}price`);
      const onHand = v.stock ?? 0;
      const variantId = await this.catalog.insertVariant(m, productId, {
        sku: v.sku,
        name: v.name,
        price: price.amount,
        currency: price.currency,
        onHand,
      });
      if (!variantId) throw new DuplicateSkuError(v.sku, `${at}sku`);
      if (onHand > 0) {
        await this.catalog.recordMovement(m, variantId, onHand, 'initial stock', onHand, actorId);
      }
      ids[i] = variantId;
    }
    await this.catalog.refreshPriceRange(m, productId);
    return ids;
  }

  async update(id: string, patch: UpdateProductDto): Promise<ProductDto> {
    if (patch.slug !== undefined) assertSlug(patch.slug);
    await this.tx.run(async (m) => {
      if (patch.slug !== undefined) await lockProductSlugs(m, [patch.slug]);
      if (patch.categoryId && !(await this.catalog.categoryExists(m, patch.categoryId))) {
        throw new UnknownCategoryError('categoryId', patch.categoryId);
      }
      if (!(await this.catalog.updateProduct(m, id, patch))) throw new ProductNotFoundError(id);
      await this.changes.record(m);
    });
    return this.lookup.any(id);
  }

  /** Archived, not deleted: order lines keep pointing at it. */
  async archive(id: string): Promise<void> {
    await this.tx.run(async (m) => {
      if (!(await this.catalog.updateProduct(m, id, { status: 'archived' }))) {
        throw new ProductNotFoundError(id);
      }
      await this.changes.record(m);
    });
  }
}
