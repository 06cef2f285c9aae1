import type { CategoryNodeDto, ProductDto, StaffProductDto, VariantDto } from '@minishop/contracts';
import { availableStock } from '@minishop/domain';

import type { CategoryRow, ProductRow, VariantRow } from './product-row.js';

export function toVariantDto(v: VariantRow): VariantDto {
  return {
    id: v.id,
    sku: v.sku,
    name: v.name,
    price: { amount: Number(v.price), currency: v.currency.trim() },
    stock: { available: availableStock({ onHand: v.on_hand, reserved: v.reserved }) },
  };
}

export function toProductDto(row: ProductRow, currency: string): ProductDto {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    category: row.category,
    variants: row.variants.map(toVariantDto),
    priceRange: {
      min: { amount: Number(row.min_price), currency },
      max: { amount: Number(row.max_price), currency },
    },
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** As staff see it: each variant's stock on hand and reserved, beside what can be ordered. */
export function toStaffProductDto(row: ProductRow, currency: string): StaffProductDto {
  return {
    ...toProductDto(row, currency),
    variants: row.variants.map((v) => {
      const variant = toVariantDto(v);
      return { ...variant, stock: { ...variant.stock, onHand: v.on_hand, reserved: v.reserved } };
    }),
  };
}

/** Flat rows (any order) to a forest; children keep the rows' order. */
export function toCategoryTree(rows: readonly CategoryRow[]): CategoryNodeDto[] {
  const nodes = new Map<string, CategoryNodeDto>(
    rows.map((r) => [r.id, { id: r.id, slug: r.slug, name: r.name, children: [] }]),
  );
  const roots: CategoryNodeDto[] = [];
  for (const row of rows) {
    const node = nodes.get(row.id)!;
    const parent = row.parent_id ? nodes.get(row.parent_id) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}
