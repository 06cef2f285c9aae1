import { CartNotFoundError, type CartVariant, priceCart, type PricedCart } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { CartRepository, type CartWithLines } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import type { CartContext } from './cart-resolver.service.js';

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
   * GET /cart. The caller's cart was found before this read, and a checkout
   * or merge may have closed it since: its lines must not be shown as the
   * cart the caller has now (a storefront would show a bought cart as still
   * full). So only an active cart is read, and a user whose cart was closed
   * in between gets the cart they have now; a guest's is gone, the 404
   * every closed guest cart gets. A read never answers 409.
   */
  async current(caller: CartContext): Promise<CartView> {
    const cart = await this.carts.findActiveWithLines(caller.cartId);
    if (cart) return this.priced(cart);
    if (caller.userId === null) throw new CartNotFoundError();
    return this.priced(await this.userCartNow(caller.userId));
  }

  /**
   * The user's open cart, read with its lines in one statement; with none
   * open, the one created now, which has no lines yet, so no further read is
   * needed that another checkout could overtake. Only a request creating the
   * user's next cart between the two statements sends this round again, and
   * that cart must be filled and checked out before the next read for yet
   * another round: no limit is needed, and none could turn a read into an
   * error.
   */
  private async userCartNow(userId: string): Promise<CartWithLines> {
    for (;;) {
      const open = await this.carts.findActiveUserCartWithLines(userId);
      if (open) return open;
      const created = await this.carts.createUserCart(userId);
      if (created) return { id: created.id, updatedAt: created.updatedAt, lines: [] };
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
