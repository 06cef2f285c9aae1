import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import type { TestApp } from './test-app.js';

export interface TestVariant {
  id: string;
  productId: string;
  sku: string;
  price: number;
}

export interface VariantSpec {
  /** Minor units. */
  price?: number;
  /** on_hand. */
  stock?: number;
  reserved?: number;
  archived?: boolean;
  currency?: string;
}

/**
 * A product with one variant, written straight into the catalog tables so
 * cart tests do not depend on the catalog's admin routes.
 */
export async function aVariant(t: TestApp, spec: VariantSpec = {}): Promise<TestVariant> {
  const tag = randomBytes(4).toString('hex');
  const price = spec.price ?? 1299;
  const db = t.get(DataSource);
  const [product] = await db.query<{ id: string }[]>(
    `INSERT INTO products (slug, name, status, min_price, max_price)
     VALUES ($1, $2, $3, $4, $4) RETURNING id`,
    [`product-${tag}`, `Product ${tag}`, spec.archived ? 'archived' : 'active', price],
  );
  const sku = `SKU-${tag}`.toUpperCase();
  const [variant] = await db.query<{ id: string }[]>(
    `INSERT INTO variants (product_id, sku, name, price, currency, on_hand, reserved)
     VALUES ($1, $2, 'Default', $3, $4, $5, $6) RETURNING id`,
    [product!.id, sku, price, spec.currency ?? 'EUR', spec.stock ?? 100, spec.reserved ?? 0],
  );
  return { id: variant!.id, productId: product!.id, sku, price };
}

export async function setPrice(t: TestApp, variantId: string, price: number): Promise<void> {
  await t.get(DataSource).query('UPDATE variants SET price = $2 WHERE id = $1', [variantId, price]);
}

export async function setStock(
  t: TestApp,
  variantId: string,
  onHand: number,
  reserved = 0,
): Promise<void> {
  await t
    .get(DataSource)
    .query('UPDATE variants SET on_hand = $2, reserved = $3 WHERE id = $1', [
      variantId,
      onHand,
      reserved,
    ]);
}

export async function archiveProduct(t: TestApp, productId: string): Promise<void> {
  await t
    .get(DataSource)
    .query(`UPDATE products SET status = 'archived' WHERE id = $1`, [productId]);
}
