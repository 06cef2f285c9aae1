import type {
  CreateVariantDto,
  StockAdjustmentDto,
  StockLevelDto,
  UpdateVariantDto,
  VariantDto,
} from '@minishop/contracts';
import {
  adjustStock,
  assertRoomForVariant,
  assertSku,
  availableStock,
  ProductNotFoundError,
  VariantNotFoundError,
  variantPrice,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CatalogChanges } from './cache/catalog-changes.js';
import { CatalogWriteRepository } from './persistence/catalog-write.repository.js';
import { ProductAdminService } from './product-admin.service.js';
import { ProductLookupService } from './product-lookup.service.js';

/** Admin use cases on variants: add, update (sku, name, price), adjust stock. */
@Injectable()
export class VariantAdminService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogWriteRepository,
    private readonly products: ProductAdminService,
    private readonly changes: CatalogChanges,
    private readonly lookup: ProductLookupService,
    private readonly config: AppConfig,
  ) {}

  async add(
    productId: string,
    input: CreateVariantDto,
    actorId: string | null,
  ): Promise<VariantDto> {
    const [variantId] = await this.tx.run(async (m) => {
      if (!(await this.catalog.lockProduct(m, productId))) {
        throw new ProductNotFoundError(productId);
      }
      // Counted under the product's lock: concurrent adds cannot both take the last place.
      assertRoomForVariant(await this.catalog.countVariants(m, productId));
      const ids = await this.products.addVariants(m, productId, [input], actorId, null);
      await this.changes.record(m);
      return ids;
    });
    return this.variant(productId, variantId!);
  }

  async update(id: string, patch: UpdateVariantDto): Promise<VariantDto> {
    if (patch.sku !== undefined) assertSku(patch.sku);
    const price = patch.price ? variantPrice(patch.price, this.config.storeCurrency) : undefined;
    const productId = await this.tx.run(async (m) => {
      // The product first (see lockProduct): a concurrent change of another
      // of its variants must not be missing from the range written below.
      if (price && (await this.catalog.lockProductOfVariant(m, id)) === null) {
        throw new VariantNotFoundError(id);
      }
      const owner = await this.catalog.updateVariant(m, id, {
        ...(patch.sku !== undefined ? { sku: patch.sku } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(price ? { price: price.amount, currency: price.currency } : {}),
      });
      if (!owner) throw new VariantNotFoundError(id);
      // Same transaction: the list never shows a price range that disagrees with the variants.
      if (price) await this.catalog.refreshPriceRange(m, owner);
      await this.changes.record(m);
      return owner;
    });
    return this.variant(productId, id);
  }

  async adjustStock(
    id: string,
    input: StockAdjustmentDto,
    actorId: string | null,
  ): Promise<StockLevelDto> {
    const after = await this.tx.run(async (m) => {
      let updated = await this.catalog.adjustStock(m, id, input.delta);
      if (!updated) {
        // Refused or absent. The row is locked and read again, so a refusal
        // quotes figures that refuse it: another writer may have moved the
        // stock since the write looked.
        const stock = await this.catalog.lockStock(m, id);
        if (!stock) throw new VariantNotFoundError(id);
        adjustStock(stock, input.delta);
        // The rule passes now: the stock moved in between, and the write,
        // under the lock just taken, is made on the new figures.
        updated = await this.catalog.adjustStock(m, id, input.delta);
        if (!updated) throw new Error(`stock adjustment of variant ${id} refused under its lock`);
      }
      await this.catalog.recordMovement(m, id, input.delta, input.reason, updated.onHand, actorId);
      await this.changes.record(m);
      return updated;
    });
    return {
      variantId: id,
      onHand: after.onHand,
      reserved: after.reserved,
      available: availableStock(after),
    };
  }

  private async variant(productId: string, variantId: string): Promise<VariantDto> {
    const product = await this.lookup.any(productId);
    const variant = product.variants.find((v) => v.id === variantId);
    if (!variant) throw new VariantNotFoundError(variantId);
    return variant;
  }
}
