import { CartNotFoundError, priceCart, type PricedCart } from '@minishop/domain';
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
 * (cart + lines, then their variants).
 */
@Injectable()
export class CartViewService {
  constructor(
    private readonly carts: CartRepository,
    private readonly catalog: CartCatalog,
    private readonly config: AppConfig,
  ) {}

  /** `manager`: read inside the caller's transaction, so a write replies with what it wrote. */
  async view(cartId: string, manager?: EntityManager): Promise<CartView> {
    const cart = await this.carts.findWithLines(cartId, manager);
    if (!cart) throw new CartNotFoundError();
    const variants = await this.catalog.findVariants(
      cart.lines.map((l) => l.variantId),
      manager,
    );
    return {
      id: cart.id,
      updatedAt: cart.updatedAt,
      ...priceCart(cart.lines, variants, this.config.storeCurrency),
    };
  }
}
