import type { ProductStatus } from '@minishop/domain';

export interface VariantRow {
  id: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
  on_hand: number;
  reserved: number;
}

/** One product as the read queries return it, variants and category aggregated in. */
export interface ProductRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: ProductStatus;
  min_price: string;
  max_price: string;
  created_at: Date;
  sort_key: string | number;
  category: { id: string; slug: string; name: string } | null;
  variants: VariantRow[];
}

export interface CategoryRow {
  id: string;
  slug: string;
  name: string;
  parent_id: string | null;
}
