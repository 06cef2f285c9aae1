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
 * What checkout needs of the cart: the user's active cart, locked for the
 * checkout transaction so two checkouts of one cart cannot both succeed, and
 * the switch that closes it. Every method runs in the caller's transaction.
 */
export abstract class CheckoutCart {
  /** The user's active cart, row-locked until the transaction ends; null when there is none. */
  abstract lockForCheckout(userId: string, manager: EntityManager): Promise<LockedCart | null>;
  abstract markCheckedOut(cartId: string, manager: EntityManager): Promise<void>;
  /**
   * Gives the customer the cart back when the order made from it could not
   * be paid for at all (the provider refused to create a payment); a no-op
   * when the user has started another cart since.
   */
  abstract reopen(cartId: string, manager: EntityManager): Promise<void>;
}
