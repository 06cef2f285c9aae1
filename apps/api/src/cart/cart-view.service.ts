import {
  CartClosedError,
  CartNotFoundError,
  type CartVariant,
  priceCart,
  type PricedCart,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { CartRepository, type CartWithLines } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import { type CartContext, CartResolver } from './cart-resolver.service.js';

/** Reads of a user's cart that a concurrent checkout may close before GET /cart gives up. */
const MAX_READS = 3;

export interface CartView extends PricedCart {
  id: string;
  updatedAt: Date;
}

/**
 * The cart as the shopper sees it: lines at current catalog prices with
 * their issues, totals from the domain rules. Two queries whatever the size
 * (cart + lines, then their variants), one when the caller knows them all.
 */
@Injectable()
export class CartViewService {
  constructor(
    private readonly carts: CartRepository,
    private readonly catalog: CartCatalog,
    private readonly config: AppConfig,
    private readonly resolver: CartResolver,
  ) {}

  /**
   * GET /cart. The caller's cart was found before this read, and a checkout
   * or merge may have closed it since: its lines must not be shown as the
   * cart the caller has now (a storefront would show a bought cart as still
   * full). So only an active cart is read, and a user whose cart was closed
   * in between gets the cart they have now, a new one; a guest's is gone,
   * the 404 every closed guest cart gets.
   */
  async current(caller: CartContext): Promise<CartView> {
    let cartId = caller.cartId;
    for (let attempt = 1; ; attempt++) {
      const cart = await this.carts.findActiveWithLines(cartId);
      if (cart) return this.priced(cart);
      if (caller.userId === null) throw new CartNotFoundError();
      // Closed again before it could be read: checkouts keep closing this user's carts.
      if (attempt >= MAX_READS) throw new CartClosedError();
      cartId = (await this.resolver.resolve({ userId: caller.userId, cartToken: undefined }))
        .cartId;
    }
  }

  /**
   * `manager`: read inside the caller's transaction, so a write replies with
   * what it wrote. `known`: variants the caller read in that transaction
   * already (an add reads the one it adds); only the others are read again.
   */
  async view(
    cartId: string,
    manager?: EntityManager,
    known?: ReadonlyMap<string, CartVariant>,
  ): Promise<CartView> {
    const cart = await this.carts.findWithLines(cartId, manager);
    if (!cart) throw new CartNotFoundError();
    return this.priced(cart, manager, known);
  }

  private async priced(
    cart: CartWithLines,
    manager?: EntityManager,
    known?: ReadonlyMap<string, CartVariant>,
  ): Promise<CartView> {
    const missing = cart.lines.map((l) => l.variantId).filter((id) => !known?.has(id));
    const variants =
      missing.length > 0
        ? await this.catalog.findVariants(missing, manager)
        : new Map<string, CartVariant>();
    for (const [id, variant] of known ?? []) variants.set(id, variant);
    return {
      id: cart.id,
      updatedAt: cart.updatedAt,
      ...priceCart(cart.lines, variants, this.config.storeCurrency),
    };
  }
}
