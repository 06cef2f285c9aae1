import { CartNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { CartRepository } from './cart.repository.js';
import { cartTokenHash } from './guest-cart-token.js';

/** Who is asking, as read off the request: the signed-in user, else the guest token. */
export interface CartCaller {
  userId: string | undefined;
  cartToken: string | undefined;
}

/** The caller's cart, resolved once per request by the handler, after validation. */
export interface CartContext {
  cartId: string;
  /** Null for a guest cart. */
  userId: string | null;
}

/**
 * Turns a caller into their cart. A signed-in user always gets their own
 * cart (created on first use; an X-Cart-Token they also send is ignored here:
 * sign-in or POST /cart/merge absorbs it). A guest needs the token of an
 * active guest cart; no token, a malformed or unknown one, and a closed cart
 * are all the same 404, so tokens cannot be probed.
 */
@Injectable()
export class CartResolver {
  constructor(private readonly carts: CartRepository) {}

  async resolve(caller: CartCaller): Promise<CartContext> {
    if (caller.userId !== undefined) {
      const userId = caller.userId;
      // Read first: the cart exists on every request but the first, and a
      // plain SELECT keeps GET /cart free of writes. Creating is one
      // statement that cannot lose to a checkout (see the repository).
      const cart =
        (await this.carts.findActiveUserCart(userId)) ??
        (await this.carts.getOrCreateUserCart(userId));
      return { cartId: cart.id, userId };
    }
    const hash = cartTokenHash(caller.cartToken);
    const cart = hash === null ? null : await this.carts.findActiveGuestCart(hash);
    if (!cart) throw new CartNotFoundError();
    return { cartId: cart.id, userId: null };
  }
}
