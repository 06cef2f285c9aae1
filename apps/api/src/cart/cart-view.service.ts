import { CartNotFoundError, type CartVariant, priceCart, type PricedCart } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { CartRepository } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';

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
  ) {}

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
