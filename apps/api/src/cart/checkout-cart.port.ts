import type { EntityManager } from 'typeorm';

/** The line's variant as the catalog has it now (what checkout prices and snapshots). */
export interface CheckoutVariant {
  sku: string;
  productName: string;
  variantName: string;
  /** Minor units. */
  price: number;
  currency: string;
  /** Its product is archived: no longer for sale. */
  archived: boolean;
  /** Units on hand not reserved by a pending order, when read (no lock: a hint, not a hold). */
  available: number;
}

export interface CheckoutCartLine {
  lineId: string;
  variantId: string;
  quantity: number;
  /** Unit price (minor units) the shopper last saw for the line. */
  addedUnitPrice: number;
  variant: CheckoutVariant;
}

export interface CheckoutCart {
  cartId: string;
  /**
   * The cart row's version (its `xmin`) when read. Every write to a cart or
   * its lines updates the cart row first (CartRepository.touchActive), so
   * the version changes whenever the lines might have: checkout closes the
   * cart only if it is still this version (see the orders module's
   * CheckoutWriter), which makes the lines read here the ones it sells.
   */
  version: string;
  /** The e-mail of the cart's owner, read with it: where the order's mail goes. */
  buyerEmail: string;
  /** Sorted by variantId, so stock rows can be locked in one fixed order. */
  lines: CheckoutCartLine[];
}

/**
 * What checkout needs from the cart. Provided globally by the cart module.
 * Checkout closes the cart (status checked_out) in its own one-statement
 * write, guarded by `version`, together with the order: a write that is
 * refused leaves the cart open, so no step ever reopens one.
 */
export abstract class CheckoutCartPort {
  /**
   * The user's active cart with its lines and their variants' current
   * catalog data, read in one statement (so the lines belong to `version`)
   * without locking anything. Null when the user has no active cart (treat
   * as empty).
   */
  abstract readForCheckout(userId: string, manager?: EntityManager): Promise<CheckoutCart | null>;
}
