import {
  CartClosedError,
  type CartMergeReport,
  CartNotFoundError,
  MAX_CART_LINES,
  mergedAddedUnitPrice,
  mergeGuestLine,
  type StoredCartLine,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { GuestCartAbsorber } from '../auth/guest-cart-absorber.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { type CartRecord, CartRepository } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import { type CartView, CartViewService } from './cart-view.service.js';
import { cartTokenHash } from './guest-cart-token.js';

/** The user's cart after a merge, with what of the guest cart did not come over in full. */
export interface MergedCart {
  cart: CartView;
  report: CartMergeReport;
}

/**
 * A signed-in user absorbs a guest cart: quantities add up, held to 99 per
 * line and to the stock available (never below what the user's line held),
 * lines of archived variants are dropped, then the guest cart is closed
 * (status merged) so its token stops working. What did not come over in
 * full is reported. A merged line keeps a price its lines were added at if
 * that is no longer the current one, so `price_changed` survives the merge.
 * The same user merging it again changes nothing and reports nothing;
 * anyone else gets the 404 of a closed token.
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

  /**
   * POST /cart/merge: an unknown or expired token is a 404; the user's cart
   * is returned with what of the guest cart did not come over in full.
   */
  async merge(userId: string, cartToken: string): Promise<MergedCart> {
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
        // A retry moves nothing, so it reports nothing: what the first
        // merge left out was in the first reply, and is not kept.
        let report: CartMergeReport = { dropped: [], capped: [] };
        if (guest.status === 'active') {
          report = await this.moveLines(guest, target, m);
          await this.carts.markMerged(guest.id, userId, m);
        }
        return { cart: await this.views.view(target.id, m), report };
      },
      { retries: 2 },
    );
  }

  /**
   * The sign-in hook: a stale or unknown token must not make a login fail,
   * so a missing guest cart is simply nothing to absorb.
   */
  async absorb(userId: string, cartToken: string): Promise<CartMergeReport | null> {
    try {
      return (await this.merge(userId, cartToken)).report;
    } catch (error) {
      if (error instanceof CartNotFoundError) return null;
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

  private async moveLines(
    guest: CartRecord,
    target: CartRecord,
    m: EntityManager,
  ): Promise<CartMergeReport> {
    const report: CartMergeReport = { dropped: [], capped: [] };
    // One connection per transaction: sequential queries, not Promise.all.
    const from = await this.carts.findWithLines(guest.id, m);
    const into = await this.carts.findWithLines(target.id, m);
    const guestLines = from?.lines ?? [];
    if (guestLines.length === 0) return report;
    const held = new Map<string, StoredCartLine>((into?.lines ?? []).map((l) => [l.variantId, l]));
    const variants = await this.catalog.findVariants(
      guestLines.map((l) => l.variantId),
      m,
    );
    let lineCount = held.size;
    for (const line of guestLines) {
      const variant = variants.get(line.variantId);
      const existing = held.get(line.variantId);
      const fate = mergeGuestLine(
        variant,
        existing?.quantity ?? 0,
        line.quantity,
        lineCount >= MAX_CART_LINES,
      );
      if (fate.outcome === 'dropped') {
        report.dropped.push({
          variantId: line.variantId,
          quantity: line.quantity,
          reason: fate.reason,
        });
        continue;
      }
      if (fate.outcome === 'capped') {
        report.capped.push({
          variantId: line.variantId,
          requested: fate.requested,
          kept: fate.quantity,
          reason: fate.reason,
        });
      }
      // Only a dropped line has no variant; the check narrows the type.
      if (!variant) continue;
      const price = mergedAddedUnitPrice(
        variant.price.amount,
        existing?.addedUnitPrice,
        line.addedUnitPrice,
      );
      await this.carts.putLine(target.id, line.variantId, fate.quantity, price, m);
      if (!existing) lineCount++;
    }
    return report;
  }
}
