import { variantDisplayName } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CheckoutCartPort } from '../../cart/checkout-cart.port.js';
import { uniqueViolation } from '../../infrastructure/database/pg-errors.js';
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
          name: variantDisplayName(l.variant.productName, l.variant.variantName),
          price: l.variant.price,
          currency: l.variant.currency,
          archived: l.variant.archived,
        },
      })),
    };
  }

  async reopen(cartId: string, manager: EntityManager): Promise<void> {
    // Only when the user has not started another cart since: one active cart
    // per user. A cart started by a transaction still open when this runs is
    // not seen by NOT EXISTS but meets the one-active-cart index once that
    // commits: the user has a cart then, so this one stays closed, and the
    // savepoint keeps the failed UPDATE from aborting the caller's work.
    await manager.query('SAVEPOINT cart_reopen');
    try {
      await manager.query(
        `UPDATE carts c SET status = 'active', updated_at = now()
          WHERE c.id = $1 AND c.status = 'checked_out'
            AND NOT EXISTS (SELECT 1 FROM carts o
                             WHERE o.user_id = c.user_id AND o.status = 'active')`,
        [cartId],
      );
    } catch (error) {
      if (uniqueViolation(error) !== ONE_ACTIVE_CART_INDEX) throw error;
      await manager.query('ROLLBACK TO SAVEPOINT cart_reopen');
    }
    await manager.query('RELEASE SAVEPOINT cart_reopen');
  }
}

const ONE_ACTIVE_CART_INDEX = 'carts_one_active_per_user';
