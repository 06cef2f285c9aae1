import { assertQuantityToSet, CartLineNotFoundError, checkQuantityChange } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CartRepository } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import type { CartContext } from './cart-resolver.service.js';
import { type CartView, CartViewService } from './cart-view.service.js';
import { lockCartForWrite } from './cart-write-lock.js';

/** Setting a line's quantity and removing a line: the two edits of an existing line. */
@Injectable()
export class ChangeCartItemService {
  constructor(
    private readonly carts: CartRepository,
    private readonly catalog: CartCatalog,
    private readonly views: CartViewService,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * 0 removes the line. The line's reference price is refreshed: the shopper
   * changed it while looking at the current price, which clears price_changed.
   */
  async setQuantity(cart: CartContext, lineId: string, quantity: number): Promise<CartView> {
    assertQuantityToSet(quantity);
    return this.transactions.run(async (m) => {
      await lockCartForWrite(this.carts, cart.cartId, m);
      const line = await this.carts.findLine(cart.cartId, lineId, m);
      if (!line) throw new CartLineNotFoundError(lineId);
      if (quantity === 0) {
        await this.carts.removeLine(cart.cartId, lineId, m);
      } else {
        const variant = (await this.catalog.findVariants([line.variantId], m)).get(line.variantId);
        if (!variant) throw new CartLineNotFoundError(lineId);
        checkQuantityChange(variant, line.quantity, quantity);
        await this.carts.setLineQuantity(cart.cartId, lineId, quantity, variant.price.amount, m);
      }
      return this.views.view(cart.cartId, m);
    });
  }

  async remove(cart: CartContext, lineId: string): Promise<CartView> {
    return this.transactions.run(async (m) => {
      await lockCartForWrite(this.carts, cart.cartId, m);
      if (!(await this.carts.removeLine(cart.cartId, lineId, m))) {
        throw new CartLineNotFoundError(lineId);
      }
      return this.views.view(cart.cartId, m);
    });
  }
}
