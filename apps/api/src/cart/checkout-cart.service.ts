import { CartClosedError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CartRepository } from './cart.repository.js';
import { type CheckoutCart, CheckoutCartPort } from './checkout-cart.port.js';

@Injectable()
export class CheckoutCartService extends CheckoutCartPort {
  constructor(private readonly carts: CartRepository) {
    super();
  }

  async lockForCheckout(userId: string, manager: EntityManager): Promise<CheckoutCart | null> {
    const cart = await this.carts.lockActiveUserCart(userId, manager);
    if (!cart) return null;
    const withLines = await this.carts.findWithLines(cart.id, manager);
    const lines = (withLines?.lines ?? [])
      .map((l) => ({
        lineId: l.id,
        variantId: l.variantId,
        quantity: l.quantity,
        addedUnitPrice: l.addedUnitPrice,
      }))
      .sort((a, b) => (a.variantId < b.variantId ? -1 : a.variantId > b.variantId ? 1 : 0));
    return { cartId: cart.id, lines };
  }

  async markCheckedOut(cartId: string, manager: EntityManager): Promise<void> {
    if (!(await this.carts.setStatus(cartId, 'checked_out', manager))) {
      throw new CartClosedError();
    }
  }
}
