import { type CatalogImportRow, inSkuOrder } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { categoryIdsBySlug } from '../../catalog/persistence/category-slugs.js';
import { lockProductSlugs } from '../../catalog/persistence/product-slug-lock.js';

/** A batch of variants as rows `i`, from the parameters `columns()` gives ($1..$6). */
const VARIANT_INPUT = `unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::int[])
  AS i(sku, product_id, name, price, currency, on_hand)`;

/**
 * Set-based upserts of one import batch: a handful of statements per batch
 * instead of several per row, inside the batch's transaction.
 */
@Injectable()
export class CatalogUpsertRepository {
  /**
   * Key-share locked in id order, before the batch locks its products: a
   * category delete (which locks the category, then its products) waits for
   * this batch and then counts its products, rather than deadlocking with it
   * or being committed before the batch's rows reference the category.
   */
  async categoryIds(m: EntityManager, slugs: readonly string[]): Promise<Map<string, string>> {
    // By a slug the category holds or had: a file written before an admin
    // renamed the category imports into it.
    return categoryIdsBySlug(m, slugs);
  }

  /**
   * The current slug of each product that once had one of `slugs` and
   * none holds now (a former slug is nobody's while a product holds it):
   * a file written before an admin renamed a product updates that product,
   * as the storefront redirects the old slug to it, rather than creating
   * another under the old slug, which would also take over its redirect.
   */
  async renamedProducts(m: EntityManager, slugs: readonly string[]): Promise<Map<string, string>> {
    if (slugs.length === 0) return new Map();
    const rows: { former: string; slug: string }[] = await m.query(
      `SELECT f.slug AS former, p.slug
         FROM product_former_slugs f JOIN products p ON p.id = f.product_id
        WHERE f.slug = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM products held WHERE held.slug = f.slug)`,
      [slugs],
    );
    return new Map(rows.map((r) => [r.former, r.slug]));
  }

  /**
   * Locks the existing products of these slugs (in id order, so two imports
   * cannot deadlock on them) and returns how many variants each has. The
   * admin routes lock a product before writing its variants too, so the
   * counts hold until this batch commits.
   *
   * A product another import or an admin has inserted but not committed
   * cannot be seen, let alone locked: both would count it empty and add up
   * to the limit each. So each slug's lock (lockProductSlugs) is taken
   * first, which waits for such a writer to end; the count that follows
   * sees what it wrote.
   */
  async lockProducts(m: EntityManager, slugs: readonly string[]): Promise<Map<string, number>> {
    if (slugs.length === 0) return new Map();
    await lockProductSlugs(m, slugs);
    const rows: { slug: string; variants: number }[] = await m.query(
      `SELECT p.slug, (SELECT count(*)::int FROM variants v WHERE v.product_id = p.id) AS variants
         FROM products p WHERE p.slug = ANY($1::text[])
        ORDER BY p.id FOR UPDATE OF p`,
      [slugs],
    );
    return new Map(rows.map((r) => [r.slug, r.variants]));
  }

  /**
   * Locks the existing variants of these SKUs (in id order, like every
   * multi-row lock here) and returns, for each, the slug of its product and
   * what open orders hold of it. Held until the batch commits, so a checkout
   * cannot reserve more between the caller's stock check and the write.
   */
  async lockSkus(
    m: EntityManager,
    skus: readonly string[],
  ): Promise<Map<string, { productSlug: string; reserved: number }>> {
    if (skus.length === 0) return new Map();
    const rows: { sku: string; slug: string; reserved: number }[] = await m.query(
      `SELECT v.sku, p.slug, v.reserved FROM variants v JOIN products p ON p.id = v.product_id
        WHERE v.sku = ANY($1::text[]) ORDER BY v.id FOR UPDATE OF v`,
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, { productSlug: r.slug, reserved: r.reserved }]));
  }

  /**
   * Products by slug: created, or name/description/category updated. The
   * status is left alone so an archived product stays archived. Rows must
   * have distinct slugs (one statement cannot update a row twice).
   */
  async upsertProducts(
    m: EntityManager,
    products: readonly {
      slug: string;
      name: string;
      description: string;
      categoryId: string | null;
    }[],
  ): Promise<Map<string, string>> {
    if (products.length === 0) return new Map();
    const rows: { id: string; slug: string }[] = await m.query(
      `INSERT INTO products (slug, name, description, category_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[])
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name,
         description = EXCLUDED.description, category_id = EXCLUDED.category_id,
         updated_at = now()
       RETURNING id, slug`,
      [
        products.map((p) => p.slug),
        products.map((p) => p.name),
        products.map((p) => p.description),
        products.map((p) => p.categoryId),
      ],
    );
    return new Map(rows.map((r) => [r.slug, r.id]));
  }

  /**
   * Variants by SKU. A SKU that already belongs to another product is left
   * untouched and missing from the result (the caller reports it), and so is
   * one whose reserved units exceed the file's stock (the caller checks that
   * under `lockSkus`; this only keeps the write from ever raising the count).
   * Every change of on-hand stock is recorded as a movement, as the admin
   * routes do. Returns the SKUs written. Rows must have distinct SKUs.
   *
   * The existing rows are locked before they are read, so each movement's
   * delta is taken from the level it replaces: a stock adjustment or
   * reservation committing meanwhile either lands before the lock (and is
   * read) or waits for this transaction. A SKU another writer creates after
   * the lock is neither updated nor inserted in that round; the next round
   * locks it (variants are never deleted, so the rounds end).
   */
  async upsertVariants(
    m: EntityManager,
    variants: readonly (CatalogImportRow & { productId: string })[],
    actorId: string | null,
  ): Promise<Set<string>> {
    const written = new Set<string>();
    let pending = inSkuOrder(variants, (v) => v.sku);
    while (pending.length > 0) {
      const locked = await this.lockVariants(
        m,
        pending.map((v) => v.sku),
      );
      const existing = pending.filter((v) => locked.has(v.sku));
      const fresh = pending.filter((v) => !locked.has(v.sku));
      for (const sku of await this.updateLocked(m, existing, actorId)) written.add(sku);
      const inserted = await this.insertNew(m, fresh, actorId);
      for (const sku of inserted) written.add(sku);
      pending = fresh.filter((v) => !inserted.has(v.sku));
    }
    return written;
  }

  /** Locks the existing variants of these SKUs, in id order like every multi-row lock here. */
  private async lockVariants(m: EntityManager, skus: readonly string[]): Promise<Set<string>> {
    if (skus.length === 0) return new Set();
    const rows: { sku: string }[] = await m.query(
      'SELECT sku FROM variants WHERE sku = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [skus],
    );
    return new Set(rows.map((r) => r.sku));
  }

  /**
   * Updates variants this transaction has locked; those of another product,
   * and those the line's stock would put below what is reserved, are skipped.
   */
  private async updateLocked(
    m: EntityManager,
    variants: readonly (CatalogImportRow & { productId: string })[],
    actorId: string | null,
  ): Promise<Set<string>> {
    if (variants.length === 0) return new Set();
    const rows: { sku: string }[] = await m.query(
      `WITH input AS (
         SELECT * FROM ${VARIANT_INPUT}
       ), old AS (
         -- The rows are locked by this transaction, so the statement's
         -- snapshot holds their current level, the one the update replaces.
         SELECT v.id, v.on_hand FROM variants v JOIN input i ON i.sku = v.sku
       ), up AS (
         UPDATE variants v SET name = i.name, price = i.price, currency = i.currency,
           on_hand = i.on_hand, updated_at = now()
           FROM input i
          WHERE v.sku = i.sku AND v.product_id = i.product_id AND i.on_hand >= v.reserved
         RETURNING v.id, v.sku, v.on_hand
       ), moved AS (
         INSERT INTO stock_movements (variant_id, delta, reason, on_hand_after, actor_id)
         SELECT up.id, up.on_hand - old.on_hand, 'catalog import', up.on_hand, $7::uuid
           FROM up JOIN old ON old.id = up.id
          WHERE up.on_hand <> old.on_hand
       )
       SELECT sku FROM up`,
      [...columns(variants), actorId],
    );
    return new Set(rows.map((r) => r.sku));
  }

  /** Inserts the SKUs that do not exist yet; one created meanwhile by another writer is skipped. */
  private async insertNew(
    m: EntityManager,
    variants: readonly (CatalogImportRow & { productId: string })[],
    actorId: string | null,
  ): Promise<Set<string>> {
    if (variants.length === 0) return new Set();
    const rows: { sku: string }[] = await m.query(
      `WITH ins AS (
         INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
         SELECT product_id, sku, name, price, currency, on_hand FROM ${VARIANT_INPUT}
         ON CONFLICT (sku) DO NOTHING
         RETURNING id, sku, on_hand
       ), moved AS (
         INSERT INTO stock_movements (variant_id, delta, reason, on_hand_after, actor_id)
         SELECT id, on_hand, 'catalog import', on_hand, $7::uuid FROM ins WHERE on_hand <> 0
       )
       SELECT sku FROM ins`,
      [...columns(variants), actorId],
    );
    return new Set(rows.map((r) => r.sku));
  }

  /** Keeps the denormalised price range of the touched products in step. */
  async refreshPriceRanges(m: EntityManager, productIds: readonly string[]): Promise<void> {
    if (productIds.length === 0) return;
    await m.query(
      `UPDATE products p SET min_price = r.min, max_price = r.max, updated_at = now()
         FROM (SELECT product_id, min(price) AS min, max(price) AS max FROM variants
                WHERE product_id = ANY($1::uuid[]) GROUP BY product_id) r
        WHERE p.id = r.product_id`,
      [productIds],
    );
  }
}

/** The unnest columns of a batch of variants: sku, product, name, price, currency, stock. */
function columns(
  variants: readonly (CatalogImportRow & { productId: string })[],
): [string[], string[], string[], number[], string[], number[]] {
  return [
    variants.map((v) => v.sku),
    variants.map((v) => v.productId),
    variants.map((v) => v.variantName),
    variants.map((v) => v.price),
    variants.map((v) => v.currency),
    variants.map((v) => v.stock),
  ];
}
