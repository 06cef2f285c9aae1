import {
  CartClosedError,
  CartNotFoundError,
  MAX_CART_LINES,
  mergedQuantity,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { GuestCartAbsorber } from '../auth/guest-cart-absorber.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { type CartRecord, CartRepository } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import { type CartView, CartViewService } from './cart-view.service.js';
import { cartTokenHash } from './guest-cart-token.js';

/**
 * A signed-in user absorbs a guest cart: quantities add up, held to 99 per
 * line and to the stock available (never below what the user's line held),
 * lines of archived variants are dropped, then the guest cart is closed
 * (status merged) so its token stops working. The same user merging it
 * again changes nothing; anyone else gets the 404 of a closed token.
 *
 * Locks: the guest cart first, then the user's cart. Every path that locks
 * both takes them in this order, so merges cannot deadlock each other; adds
 * and checkout lock one cart only.
 */
@Injectable()
export class CartMergeService extends GuestCartAbsorber {
  constructor(
    private readonly carts: CartRepository,
    private readonly catalog: CartCatalog,
    private readonly views: CartViewService,
    private readonly transactions: TransactionRunner,
  ) {
    super();
  }

  /** POST /cart/merge: an unknown or expired token is a 404; the user's cart is returned. */
  async merge(userId: string, cartToken: string): Promise<CartView> {
    const hash = cartTokenHash(cartToken);
    if (hash === null) throw new CartNotFoundError('No guest cart with this token');
    return this.transactions.run(
      async (m) => {
        const guest = await this.carts.lockGuestCart(hash, m);
        // A cart merged into this user's is merged again as a no-op (a
        // retried merge answers alike); merged into another's, or expired,
        // it is gone, as its token is everywhere else: a 200 would tell
        // another account it had absorbed a cart it never got.
        const retried = guest?.status === 'merged' && guest.mergedBy === userId;
        if (!guest || (guest.status !== 'active' && !retried)) {
          throw new CartNotFoundError('No guest cart with this token');
        }
        const target = await this.lockUserCart(userId, m);
        if (guest.status === 'active') {
          await this.moveLines(guest, target, m);
          await this.carts.markMerged(guest.id, userId, m);
        }
        return this.views.view(target.id, m);
      },
      { retries: 2 },
    );
  }

  /**
   * The sign-in hook: a stale or unknown token must not make a login fail,
   * so a missing guest cart is simply nothing to absorb.
   */
  async absorb(userId: string, cartToken: string): Promise<void> {
    try {
      await this.merge(userId, cartToken);
    } catch (error) {
      if (error instanceof CartNotFoundError) return;
      throw error;
    }
  }

  private async lockUserCart(userId: string, m: EntityManager): Promise<CartRecord> {
    // The cart comes back locked by (or new in) this transaction, so no
    // checkout can close it before the commit; the touch records the change.
    const cart = await this.carts.getOrCreateUserCart(userId, m);
    if ((await this.carts.touchActive(cart.id, m)) !== 'active') throw new CartClosedError();
    return cart;
  }

  private async moveLines(guest: CartRecord, target: CartRecord, m: EntityManager): Promise<void> {
    // One connection per transaction: sequential queries, not Promise.all.
    const from = await this.carts.findWithLines(guest.id, m);
    const into = await this.carts.findWithLines(target.id, m);
    const guestLines = from?.lines ?? [];
    if (guestLines.length === 0) return;
    const held = new Map((into?.lines ?? []).map((l) => [l.variantId, l.quantity]));
    const variants = await this.catalog.findVariants(
      guestLines.map((l) => l.variantId),
      m,
    );
    let lineCount = held.size;
    for (const line of guestLines) {
      const variant = variants.get(line.variantId);
      const existing = held.get(line.variantId) ?? 0;
      // A full cart keeps what it has; guest items beyond the bound are dropped.
      if (existing === 0 && lineCount >= MAX_CART_LINES) continue;
      const quantity = mergedQuantity(variant, existing, line.quantity);
      if (variant && quantity > existing) {
        await this.carts.putLine(target.id, line.variantId, quantity, variant.price.amount, m);
        if (existing === 0) lineCount++;
      }
    }
  }
}
