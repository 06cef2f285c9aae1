import { variantDisplayName } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CheckoutCartPort } from '../../cart/checkout-cart.port.js';
import { type CartForCheckout, CheckoutCart } from '../checkout-cart.js';

/** CheckoutCart over the cart module's own checkout port (which reads the cart and its version). */
@Injectable()
export class CartModuleCheckoutCart extends CheckoutCart {
  constructor(private readonly carts: CheckoutCartPort) {
    super();
  }

  async readForCheckout(userId: string, manager?: EntityManager): Promise<CartForCheckout | null> {
    const cart = await this.carts.readForCheckout(userId, manager);
    if (!cart) return null;
    return {
      id: cart.cartId,
      version: cart.version,
      buyerEmail: cart.buyerEmail,
      lines: cart.lines.map((l) => ({
        variantId: l.variantId,
        quantity: l.quantity,
        available: l.variant.available,
        variant: {
          id: l.variantId,
          sku: l.variant.sku,
          name: variantDisplayName(l.variant.productName, l.variant.variantName),
          price: l.variant.price,
          currency: l.variant.currency,
          archived: l.variant.archived,
        },
      })),
    };
  }
}
