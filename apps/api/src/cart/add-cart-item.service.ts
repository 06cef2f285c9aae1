import {
  assertLineQuantity,
  CartFullError,
  CartVariantNotFoundError,
  LineQuantityLimitError,
  MAX_CART_LINES,
  MAX_LINE_QUANTITY,
  quantityAfterAdd,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CartRepository } from './cart.repository.js';
import { CartCatalog } from './cart-catalog.js';
import type { CartContext } from './cart-resolver.service.js';
import { type CartView, CartViewService } from './cart-view.service.js';
import { lockCartForWrite } from './cart-write-lock.js';

@Injectable()
export class AddCartItemService {
  constructor(
    private readonly carts: CartRepository,
    private readonly catalog: CartCatalog,
    private readonly views: CartViewService,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Adds to the variant's line (one line per variant). Over 99 in the line,
   * or more than is in stock, is refused with a 409 rather than silently
   * capped, so the shopper knows what they did not get.
   */
  async add(cart: CartContext, requestedId: string, quantity: number): Promise<CartView> {
    assertLineQuantity(quantity);
    // UUIDs are case-insensitive and accepted in upper case; the catalog
    // answers with PostgreSQL's lower-case spelling, which keys its map.
    const variantId = requestedId.toLowerCase();
    return this.transactions.run(async (m) => {
      const variant = (await this.catalog.findVariants([variantId], m)).get(variantId);
      if (!variant) throw new CartVariantNotFoundError(variantId);
      // Row lock on the cart: concurrent adds to one cart queue here, so the
      // read of the current quantity below stays true until commit.
      await lockCartForWrite(this.carts, cart.cartId, m);
      const { line: existing, lineCount } = await this.carts.findLineByVariant(
        cart.cartId,
        variantId,
        m,
      );
      const current = existing?.quantity;
      quantityAfterAdd(variant, current ?? 0, quantity);
      if (current === undefined && lineCount >= MAX_CART_LINES) {
        throw new CartFullError(MAX_CART_LINES);
      }
      const line = await this.carts.addToLine(
        cart.cartId,
        variantId,
        quantity,
        variant.price.amount,
        MAX_LINE_QUANTITY,
        m,
      );
      if (!line) throw new LineQuantityLimitError(variant.sku, current ?? 0, quantity);
      // The variant as read above, in this transaction: the reply shows the
      // price and stock the add itself went by.
      return this.views.view(cart.cartId, m, new Map([[variantId, variant]]));
    });
  }
}
