import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CheckoutCartPort } from '../../cart/checkout-cart.port.js';
import { type CartForCheckout, CheckoutCart } from '../checkout-cart.js';

/**
 * CheckoutCart over the cart module's own checkout port (which reads the
 * cart and its version); only giving a cart back after a failed payment
 * setup is done here, as the cart module has no use case for it.
 */
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
      lines: cart.lines.map((l) => ({
        variantId: l.variantId,
        quantity: l.quantity,
        variant: {
          id: l.variantId,
          sku: l.variant.sku,
          // How an order line names what was sold.
          name: `${l.variant.productName} – ${l.variant.variantName}`,
          price: l.variant.price,
          currency: l.variant.currency,
          archived: l.variant.archived,
        },
      })),
    };
  }

  async reopen(cartId: string, manager: EntityManager): Promise<void> {
    // Only when the user has not started another cart since: one active cart per user.
    await manager.query(
      `UPDATE carts c SET status = 'active', updated_at = now()
        WHERE c.id = $1 AND c.status = 'checked_out'
          AND NOT EXISTS (SELECT 1 FROM carts o
                           WHERE o.user_id = c.user_id AND o.status = 'active')`,
      [cartId],
    );
  }
}
