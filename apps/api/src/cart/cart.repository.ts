import type { StoredCartLine } from '@minishop/domain';
import type { EntityManager } from 'typeorm';

import type { CheckoutVariant } from './checkout-cart.port.js';

export type CartStatus = 'active' | 'merged' | 'checked_out' | 'expired';

export interface CartRecord {
  id: string;
  userId: string | null;
  status: CartStatus;
  updatedAt: Date;
}

/** A guest cart, with the user whose cart absorbed it once merged. */
export interface GuestCartRecord extends CartRecord {
  mergedBy: string | null;
}

export interface CartWithLines {
  id: string;
  updatedAt: Date;
  lines: StoredCartLine[];
}

/**
 * Port: where carts and their lines are kept. Methods that take a manager run
 * inside the caller's unit of work; the ones that lock say so.
 */
export abstract class CartRepository {
  abstract createGuestCart(tokenHash: string, manager: EntityManager): Promise<CartRecord>;
  abstract findActiveGuestCart(tokenHash: string): Promise<CartRecord | null>;
  abstract findActiveUserCart(userId: string, manager?: EntityManager): Promise<CartRecord | null>;
  /**
   * Creates the user's active cart, in one statement; null when they have
   * one already (made by a concurrent request).
   */
  abstract createUserCart(userId: string, manager?: EntityManager): Promise<CartRecord | null>;
  /**
   * The user's active cart, created if there is none, in one statement: two
   * callers get the same single active cart, and a checkout closing it
   * meanwhile only makes this create the next one. Inside a transaction the
   * cart stays locked (and active) until its end. Needs no transaction;
   * `manager` only to run inside the caller's.
   */
  abstract getOrCreateUserCart(userId: string, manager?: EntityManager): Promise<CartRecord>;
  /**
   * Locks the guest cart of this token whatever its status (FOR UPDATE), so
   * two merges of one guest cart run one after the other.
   */
  abstract lockGuestCart(
    tokenHash: string,
    manager: EntityManager,
  ): Promise<GuestCartRecord | null>;
  /**
   * The user's active cart with the row's version (`xmin`), its lines and
   * their variants, in one statement, so the lines are those of that
   * version; null when there is none.
   */
  abstract findActiveUserCartForCheckout(
    userId: string,
    manager?: EntityManager,
  ): Promise<{
    id: string;
    version: string;
    /** The e-mail of the cart's owner, read with it: where the order's mail goes. */
    buyerEmail: string;
    lines: (StoredCartLine & { variant: CheckoutVariant })[];
  } | null>;
  /**
   * Bumps updated_at of an active cart and so takes its row lock: every write
   * to a cart's lines starts here, which serialises writers of one cart and
   * makes them wait for (and then see) a concurrent checkout or merge.
   * 'active' when it touched the cart; else the status the cart was closed
   * with, as committed by the write that closed it, or null when there is
   * no such cart.
   */
  abstract touchActive(cartId: string, manager: EntityManager): Promise<CartStatus | null>;
  /** Closes an active guest cart as merged into `userId`'s cart. */
  abstract markMerged(cartId: string, userId: string, manager: EntityManager): Promise<boolean>;
  abstract findWithLines(cartId: string, manager?: EntityManager): Promise<CartWithLines | null>;
  /**
   * The cart with its lines only while it is active, in one statement: a
   * cart closed by a checkout or merge is null, never its old lines.
   */
  abstract findActiveWithLines(cartId: string): Promise<CartWithLines | null>;
  /** The user's active cart, whichever it is now, with its lines, in one statement; null when none is open. */
  abstract findActiveUserCartWithLines(userId: string): Promise<CartWithLines | null>;
  abstract findLine(
    cartId: string,
    lineId: string,
    manager: EntityManager,
  ): Promise<StoredCartLine | null>;
  /** The cart's line of the variant (null: none yet), and how many distinct variants it holds. */
  abstract findLineByVariant(
    cartId: string,
    variantId: string,
    manager: EntityManager,
  ): Promise<{ line: StoredCartLine | null; lineCount: number }>;
  /**
   * Adds to the line of the variant, creating it if needed, in one statement
   * (INSERT ... ON CONFLICT DO UPDATE) so concurrent adds never make two lines
   * or lose one. Null when the sum would exceed `maxQuantity`.
   */
  abstract addToLine(
    cartId: string,
    variantId: string,
    quantity: number,
    unitPrice: number,
    maxQuantity: number,
    manager: EntityManager,
  ): Promise<StoredCartLine | null>;
  /**
   * Sets the variant's line to exactly `quantity` and its added price to
   * `unitPrice`, creating it if needed. The caller chooses the price: a
   * merge keeps one that is no longer current, so the line stays flagged.
   */
  abstract putLine(
    cartId: string,
    variantId: string,
    quantity: number,
    unitPrice: number,
    manager: EntityManager,
  ): Promise<void>;
  abstract setLineQuantity(
    cartId: string,
    lineId: string,
    quantity: number,
    unitPrice: number,
    manager: EntityManager,
  ): Promise<boolean>;
  abstract removeLine(cartId: string, lineId: string, manager: EntityManager): Promise<boolean>;
  /** Marks up to `limit` active guest carts untouched since `cutoff` expired; returns how many. */
  abstract expireGuestCarts(cutoff: Date, limit: number, manager: EntityManager): Promise<number>;
  /** Deletes up to `limit` guest carts closed (expired or merged) before `cutoff`, with their lines. */
  abstract deleteClosedGuestCarts(
    cutoff: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<number>;
}
