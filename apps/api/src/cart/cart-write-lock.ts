import { CartClosedError, CartNotFoundError } from '@minishop/domain';
import type { EntityManager } from 'typeorm';

import type { CartRepository } from './cart.repository.js';

/**
 * Takes the row lock of the cart a write found (`touchActive`), or refuses
 * the write if the cart was closed since. Merged or checked out: a 409, the
 * caller acted on a cart that moved on. Expired (or gone): the 404 its token
 * gets everywhere else, as had the request come a moment later.
 */
export async function lockCartForWrite(
  carts: CartRepository,
  cartId: string,
  manager: EntityManager,
): Promise<void> {
  const status = await carts.touchActive(cartId, manager);
  if (status === 'active') return;
  if (status === null || status === 'expired') throw new CartNotFoundError();
  throw new CartClosedError();
}
