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
   * Closes the user's active cart (status checked_out) and returns it with
   * its lines. Closing takes the cart row's lock until the transaction ends:
   * adds, edits and merges to it wait, then find it closed (409); the lines
   * are read after the lock is held, so none added just before is missed.
   * A checkout that fails rolls back and so leaves the cart open. Null when
   * the user has no active cart (treat as empty); the user's next cart
   * request starts a new empty cart.
   */
  abstract closeForCheckout(userId: string, manager: EntityManager): Promise<CheckoutCart | null>;
}
