import type { EntityManager } from 'typeorm';

import type { VariantForSale } from './order.repository.js';

export interface CheckoutCartLine {
  variantId: string;
  quantity: number;
  /** The variant as the catalog has it now: what the line is priced and snapshotted at. */
  variant: VariantForSale;
  /** The variant's units not reserved when read: checkout refuses a line short of them before asking for a payment. */
  available: number;
}

export interface CartForCheckout {
  id: string;
  /** The cart's version when read; checkout closes the cart only if it still has it. */
  version: string;
  /** Where the order's mail goes: the e-mail of the cart's owner, read with the cart. */
  buyerEmail: string;
  lines: CheckoutCartLine[];
}

/**
 * What checkout needs of the cart: the user's active cart as it is now (its
 * lines and version). Closing it is part of the checkout's own write
 * (CheckoutWriter), guarded by the version, so two checkouts of one cart
 * cannot both succeed and an item added meanwhile is never lost.
 */
export abstract class CheckoutCart {
  /**
   * The cart with its variants' current prices, read without locking in
   * one statement; null when the user has no active cart.
   */
  abstract readForCheckout(
    userId: string,
    manager?: EntityManager,
  ): Promise<CartForCheckout | null>;
}
