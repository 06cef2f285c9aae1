import type { StoredCartLine } from '@minishop/domain';

import type { CartRecord, CartStatus } from '../cart.repository.js';

export interface CartRow {
  id: string;
  user_id: string | null;
  status: CartStatus;
  updated_at: Date;
}

export interface CartLineRow {
  id: string;
  variant_id: string;
  quantity: number;
  added_unit_price: string | number;
}

export const CART_COLUMNS = 'id, user_id, status, updated_at';
export const LINE_COLUMNS = 'id, variant_id, quantity, added_unit_price';

export function toCartRecord(row: CartRow): CartRecord {
  return { id: row.id, userId: row.user_id, status: row.status, updatedAt: row.updated_at };
}

export function toStoredLine(row: CartLineRow): StoredCartLine {
  return {
    id: row.id,
    variantId: row.variant_id,
    quantity: row.quantity,
    addedUnitPrice: Number(row.added_unit_price),
  };
}
