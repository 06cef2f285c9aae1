import type { EntityManager } from 'typeorm';

import type { VariantForSale } from './order.repository.js';

export interface CheckoutCartLine {
  variantId: string;
  quantity: number;
  /** The variant as the catalog has it now: what the line is priced and snapshotted at. */
  variant: VariantForSale;
}

export interface CartForCheckout {
  id: string;
  /** The cart's version when read; checkout closes the cart only if it still has it. */
  version: string;
  lines: CheckoutCartLine[];
}

/**
 * What checkout needs of the cart: the user's active cart as it is now (its
 * lines and version), and the switch that gives a closed cart back. Closing
 * it is part of the checkout's own write (CheckoutWriter), guarded by the
 * version, so two checkouts of one cart cannot both succeed and an item
 * added meanwhile is never lost.
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
  /**
   * Gives the customer the cart back when the order made from it could not
   * be paid for at all (the provider refused to create a payment); a no-op
   * when the user has started another cart since.
   */
  abstract reopen(cartId: string, manager: EntityManager): Promise<void>;
}
