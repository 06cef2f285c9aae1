import { DuplicateSkuError, DuplicateSlugError, MAX_ON_HAND } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { uniqueViolation } from '../../infrastructure/database/pg-errors.js';

export interface NewProductRecord {
  slug: string;
  name: string;
  description: string;
  categoryId: string | null;
}

export interface NewVariantRecord {
  sku: string;
  name: string;
  price: number;
  currency: string;
  onHand: number;
}

export interface ProductPatch {
  name?: string;
  slug?: string;
  description?: string;
  categoryId?: string | null;
  status?: 'active' | 'archived';
}

export interface VariantPatch {
  sku?: string;
  name?: string;
  price?: number;
  currency?: string;
}

export interface StockAfter {
  productId: string;
  onHand: number;
  reserved: number;
}

const PRODUCT_COLUMNS: Record<keyof ProductPatch, string> = {
  name: 'name',
  slug: 'slug',
  description: 'description',
  categoryId: 'category_id',
  status: 'status',
};
const VARIANT_COLUMNS: Record<keyof VariantPatch, string> = {
  sku: 'sku',
  name: 'name',
  price: 'price',
  currency: 'currency',
};

/** Catalog writes; every method runs inside the caller's transaction. */
@Injectable()
export class CatalogWriteRepository {
  /**
   * Key-share locked until commit, as the product's foreign key will lock
   * it: a category deleted meanwhile waits for this write, then counts the
   * product and refuses (CategoryWriteRepository.lockById).
   */
  async categoryExists(m: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await m.query('SELECT 1 FROM categories WHERE id = $1 FOR KEY SHARE', [
      id,
    ]);
    return rows.length > 0;
  }

  /**
   * Locks the product row until commit; false when there is no such product.
   * Every write to a product's variants takes this lock first, so writers of
   * one product's variants run one after another and each one's price range
   * (refreshPriceRange, a later statement) sees the variants of all before
   * it. The import locks products before their variants too: one lock order.
   */
  async lockProduct(m: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await m.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [id]);
    return rows.length > 0;
  }

  /**
   * `lockProduct` for the existing products of these slugs, taken in id
   * order as the import takes them: a writer of several products locking
   * them in another order (the seed's list order) could deadlock with it.
   */
  async lockProductsBySlug(m: EntityManager, slugs: readonly string[]): Promise<void> {
    if (slugs.length === 0) return;
    await m.query('SELECT 1 FROM products WHERE slug = ANY($1::text[]) ORDER BY id FOR UPDATE', [
      slugs,
    ]);
  }

  async countVariants(m: EntityManager, productId: string): Promise<number> {
    const rows: { n: number }[] = await m.query(
      'SELECT count(*)::int AS n FROM variants WHERE product_id = $1',
      [productId],
    );
    return rows[0]?.n ?? 0;
  }

  /** `lockProduct` for the product of a variant: its id, or null when there is no such variant. */
  async lockProductOfVariant(m: EntityManager, variantId: string): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `SELECT p.id FROM products p JOIN variants v ON v.product_id = p.id
        WHERE v.id = $1 FOR UPDATE OF p`,
      [variantId],
    );
    return rows[0]?.id ?? null;
  }

  /** Null when the slug is taken (ON CONFLICT: no check-then-insert race). */
  async insertProduct(m: EntityManager, p: NewProductRecord): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO products (slug, name, description, category_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [p.slug, p.name, p.description, p.categoryId],
    );
    return rows[0]?.id ?? null;
  }

  /** Null when the SKU is taken. */
  async insertVariant(
    m: EntityManager,
    productId: string,
    v: NewVariantRecord,
  ): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sku) DO NOTHING RETURNING id`,
      [productId, v.sku, v.name, v.price, v.currency, v.onHand],
    );
    return rows[0]?.id ?? null;
  }

  async recordMovement(
    m: EntityManager,
    variantId: string,
    delta: number,
    reason: string,
    onHandAfter: number,
    actorId: string | null,
  ): Promise<void> {
    await m.query(
      `INSERT INTO stock_movements (variant_id, delta, reason, on_hand_after, actor_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [variantId, delta, reason, onHandAfter, actorId],
    );
  }

  /**
   * Keeps the denormalised price range in step; call after any variant write,
   * with the product locked (`lockProduct`) before that write: the aggregate
   * is read in this statement's snapshot, and a concurrent writer's variant
   * it cannot see would otherwise be left out of the range for good.
   */
  async refreshPriceRange(m: EntityManager, productId: string): Promise<void> {
    await m.query(
      `UPDATE products p SET
         min_price = COALESCE(r.min, 0), max_price = COALESCE(r.max, 0), updated_at = now()
       FROM (SELECT min(price) AS min, max(price) AS max FROM variants WHERE product_id = $1) r
       WHERE p.id = $1`,
      [productId],
    );
  }

  /** False when there is no such product. */
  async updateProduct(m: EntityManager, id: string, patch: ProductPatch): Promise<boolean> {
    const params: unknown[] = [id];
    const sets = (Object.keys(patch) as (keyof ProductPatch)[])
      .filter((k) => patch[k] !== undefined)
      .map((k) => `${PRODUCT_COLUMNS[k]} = $${params.push(patch[k])}`);
    try {
      const [, count] = (await m.query(
        `UPDATE products SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`,
        params,
      )) as [unknown, number];
      return count > 0;
    } catch (error) {
      if (uniqueViolation(error) === 'products_slug_key') throw new DuplicateSlugError(patch.slug!);
      throw error;
    }
  }

  /** The variant's product id, or null when there is no such variant. */
  async updateVariant(m: EntityManager, id: string, patch: VariantPatch): Promise<string | null> {
    const params: unknown[] = [id];
    const sets = (Object.keys(patch) as (keyof VariantPatch)[])
      .filter((k) => patch[k] !== undefined)
      .map((k) => `${VARIANT_COLUMNS[k]} = $${params.push(patch[k])}`);
    try {
      const [rows] = (await m.query(
        `UPDATE variants SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1
         RETURNING product_id`,
        params,
      )) as [{ product_id: string }[], number];
      return rows[0]?.product_id ?? null;
    } catch (error) {
      if (uniqueViolation(error) === 'variants_sku_key') throw new DuplicateSkuError(patch.sku!);
      throw error;
    }
  }

  /**
   * One conditional UPDATE: the row lock it takes and the condition it checks
   * are the same statement, so two concurrent adjustments (or a checkout
   * reserving) cannot both pass a stale read. The condition sums in bigint:
   * in integer, a sum past the column's range fails the statement instead of
   * refusing the row. Null when refused or absent.
   */
  async adjustStock(m: EntityManager, id: string, delta: number): Promise<StockAfter | null> {
    const [rows] = (await m.query(
      `UPDATE variants SET on_hand = on_hand + $2, updated_at = now()
       WHERE id = $1 AND on_hand::bigint + $2 BETWEEN reserved AND $3
       RETURNING product_id, on_hand, reserved`,
      [id, delta, MAX_ON_HAND],
    )) as [{ product_id: string; on_hand: number; reserved: number }[], number];
    const row = rows[0];
    return row ? { productId: row.product_id, onHand: row.on_hand, reserved: row.reserved } : null;
  }

  /** The variant's stock, its row locked until the transaction ends. */
  async lockStock(
    m: EntityManager,
    id: string,
  ): Promise<{ onHand: number; reserved: number } | null> {
    const rows: { on_hand: number; reserved: number }[] = await m.query(
      'SELECT on_hand, reserved FROM variants WHERE id = $1 FOR NO KEY UPDATE',
      [id],
    );
    const row = rows[0];
    return row ? { onHand: row.on_hand, reserved: row.reserved } : null;
  }

  /**
   * Counts the categories with their table locked against other writers
   * until commit, so the count stays true for an insert that follows: two
   * creates at the cap's last place run one after the other, and the second
   * sees the first. Readers (and products referencing a category) are not
   * held up: SHARE ROW EXCLUSIVE conflicts only with writes to this table.
   */
  async lockAndCountCategories(m: EntityManager): Promise<number> {
    await m.query('LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE');
    const rows: { n: number }[] = await m.query('SELECT count(*)::int AS n FROM categories');
    return rows[0]?.n ?? 0;
  }

  /** Null when the slug is taken. */
  async insertCategory(
    m: EntityManager,
    c: { slug: string; name: string; parentId: string | null },
  ): Promise<string | null> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO categories (slug, name, parent_id) VALUES ($1, $2, $3)
       ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [c.slug, c.name, c.parentId],
    );
    return rows[0]?.id ?? null;
  }
}
