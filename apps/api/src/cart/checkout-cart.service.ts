import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CartRepository } from './cart.repository.js';
import { type CheckoutCart, CheckoutCartPort } from './checkout-cart.port.js';

@Injectable()
export class CheckoutCartService extends CheckoutCartPort {
  constructor(private readonly carts: CartRepository) {
    super();
  }

  async closeForCheckout(userId: string, manager: EntityManager): Promise<CheckoutCart | null> {
    // Two statements, not one: a statement reads as of its start, so lines
    // read in the statement that waited for the lock could miss an add that
    // committed meanwhile; the second statement sees it.
    const cartId = await this.carts.closeActiveUserCart(userId, manager);
    if (cartId === null) return null;
    const lines = (await this.carts.findLines(cartId, manager))
      .map((l) => ({
        lineId: l.id,
        variantId: l.variantId,
        quantity: l.quantity,
        addedUnitPrice: l.addedUnitPrice,
      }))
      .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
    return { cartId, lines };
  }
}
