import type { EntityManager } from 'typeorm';

export interface CheckoutCartLine {
  lineId: string;
  variantId: string;
  quantity: number;
  /** Unit price (minor units) the shopper last saw for the line. */
  addedUnitPrice: number;
}

export interface CheckoutCart {
  cartId: string;
  /** Sorted by variantId, so stock rows can be locked in one fixed order. */
  lines: CheckoutCartLine[];
}

/**
 * What checkout needs from the cart, inside the checkout's own transaction
 * (pass its manager). Provided globally by the cart module.
 */
export abstract class CheckoutCartPort {
  /**
   * The user's active cart with its lines, the cart row locked FOR UPDATE
   * until the transaction ends: adds, edits and merges to it wait, then find
   * it closed. Null when the user has no active cart (treat as empty).
   */
  abstract lockForCheckout(userId: string, manager: EntityManager): Promise<CheckoutCart | null>;

  /**
   * Closes the cart (status checked_out) in the same transaction; the user's
   * next cart request starts a new empty cart. Throws CartClosedError (409)
   * if the cart is no longer active.
   */
  abstract markCheckedOut(cartId: string, manager: EntityManager): Promise<void>;
}
