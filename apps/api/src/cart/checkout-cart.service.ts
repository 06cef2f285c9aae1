import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CartRepository } from './cart.repository.js';
import { type CheckoutCart, CheckoutCartPort } from './checkout-cart.port.js';

@Injectable()
export class CheckoutCartService extends CheckoutCartPort {
  constructor(private readonly carts: CartRepository) {
    super();
  }

  async readForCheckout(userId: string, manager?: EntityManager): Promise<CheckoutCart | null> {
    const cart = await this.carts.findActiveUserCartForCheckout(userId, manager);
    if (!cart) return null;
    const lines = cart.lines
      .map((l) => ({
        lineId: l.id,
        variantId: l.variantId,
        quantity: l.quantity,
        addedUnitPrice: l.addedUnitPrice,
        variant: l.variant,
      }))
      .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
    return { cartId: cart.id, version: cart.version, buyerEmail: cart.buyerEmail, lines };
  }
}
