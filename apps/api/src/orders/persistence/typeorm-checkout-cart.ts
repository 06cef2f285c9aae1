import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { CheckoutCart, type LockedCart } from '../checkout-cart.js';

/** CheckoutCart over the carts/cart_lines tables. */
@Injectable()
export class TypeormCheckoutCart extends CheckoutCart {
  async lockForCheckout(userId: string, manager: EntityManager): Promise<LockedCart | null> {
    // FOR UPDATE: a concurrent checkout of the same cart waits here, then
    // finds it checked out (READ COMMITTED re-checks the WHERE) and gets none.
    const carts = (await manager.query(
      `SELECT id FROM carts WHERE user_id = $1 AND status = 'active' FOR UPDATE`,
      [userId],
    )) as { id: string }[];
    const cart = carts[0];
    if (!cart) return null;
    const lines = (await manager.query(
      'SELECT variant_id AS "variantId", quantity FROM cart_lines WHERE cart_id = $1 ORDER BY variant_id',
      [cart.id],
    )) as { variantId: string; quantity: number }[];
    return { id: cart.id, lines };
  }

  async markCheckedOut(cartId: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE carts SET status = 'checked_out', updated_at = now() WHERE id = $1`,
      [cartId],
    );
  }

  async reopen(cartId: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE carts c SET status = 'active', updated_at = now()
        WHERE c.id = $1 AND c.status = 'checked_out'
          AND NOT EXISTS (SELECT 1 FROM carts o
                           WHERE o.user_id = c.user_id AND o.status = 'active')`,
      [cartId],
    );
  }
}
