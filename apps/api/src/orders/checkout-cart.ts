import type { EntityManager } from 'typeorm';

export interface CheckoutCartLine {
  variantId: string;
  quantity: number;
}

export interface LockedCart {
  id: string;
  lines: CheckoutCartLine[];
}

/**
 * What checkout needs of the cart: the user's active cart, closed and locked
 * in the checkout transaction so two checkouts of one cart cannot both
 * succeed (a failed checkout rolls back and leaves it open), and the switch
 * that gives it back. Every method runs in the caller's transaction.
 */
export abstract class CheckoutCart {
  /** The user's active cart, now closed and row-locked until the transaction ends; null when there is none. */
  abstract closeForCheckout(userId: string, manager: EntityManager): Promise<LockedCart | null>;
  /**
   * Gives the customer the cart back when the order made from it could not
   * be paid for at all (the provider refused to create a payment); a no-op
   * when the user has started another cart since.
   */
  abstract reopen(cartId: string, manager: EntityManager): Promise<void>;
}
