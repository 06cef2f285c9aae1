import { ConflictError, InvalidInputError, NotFoundError } from '../errors/domain-error.js';
import { echoableId } from '../ids/echoed-id.js';
import { MAX_LINE_QUANTITY } from './cart-limits.js';

/**
 * No active cart for the caller: an unknown, malformed or closed X-Cart-Token,
 * no token at all on a guest request, or someone else's cart. Deliberately one
 * error for all of them, so a token cannot be probed.
 */
export class CartNotFoundError extends NotFoundError {
  readonly code = 'CART.NOT_FOUND';
  constructor(
    message = 'No active cart: send the X-Cart-Token from POST /cart, or sign in to use your cart',
  ) {
    super(message);
  }
}

/** The line is not in the caller's cart (or does not exist at all). */
export class CartLineNotFoundError extends NotFoundError {
  readonly code = 'CART.LINE_NOT_FOUND';
  constructor(lineId: string) {
    super(
      echoableId(lineId)
        ? `Cart line ${lineId} is not in your cart`
        : 'The cart line id is not a valid id (a UUID), so it names no line in your cart',
    );
  }
}

export class CartVariantNotFoundError extends NotFoundError {
  readonly code = 'CART.VARIANT_NOT_FOUND';
  constructor(variantId: string) {
    super(
      echoableId(variantId)
        ? `Variant ${variantId} does not exist`
        : 'The variantId is not a valid id (a UUID), so it names no variant',
      [{ field: 'variantId', message: 'no such variant' }],
    );
  }
}

export class VariantArchivedError extends ConflictError {
  readonly code = 'CART.VARIANT_ARCHIVED';
  constructor(sku: string) {
    super(`${sku} is no longer sold and cannot be added to a cart`);
  }
}

export class VariantOutOfStockError extends ConflictError {
  readonly code = 'CART.OUT_OF_STOCK';
  constructor(sku: string) {
    super(`${sku} is out of stock`);
  }
}

/** Asking for more than is available (the cart then could not be checked out). */
export class InsufficientStockForCartError extends ConflictError {
  readonly code = 'CART.INSUFFICIENT_STOCK';
  constructor(sku: string, available: number, requested: number) {
    super(`Only ${available} of ${sku} available; the line would hold ${requested}`, [
      { field: 'quantity', message: `at most ${available} available` },
    ]);
  }
}

/** Adding would push one line over the per-line maximum. */
export class LineQuantityLimitError extends ConflictError {
  readonly code = 'CART.LINE_QUANTITY_LIMIT';
  constructor(sku: string, current: number, adding: number) {
    super(
      `A cart line holds at most ${MAX_LINE_QUANTITY}: the cart already has ${current} of ${sku}, adding ${adding} would make ${current + adding}`,
      [{ field: 'quantity', message: `at most ${MAX_LINE_QUANTITY - current} more can be added` }],
    );
  }
}

export class InvalidCartQuantityError extends InvalidInputError {
  readonly code = 'CART.INVALID_QUANTITY';
  constructor(message: string) {
    super(message, [{ field: 'quantity', message }]);
  }
}

/**
 * The cart was merged or checked out while this request was on its way, or
 * (with its own detail) changed under a checkout every time it was read:
 * either way the client's view of it is stale and fetching it again is the
 * recovery, so both share the code.
 */
export class CartClosedError extends ConflictError {
  readonly code = 'CART.CLOSED';
  constructor(
    detail = 'This cart was closed (merged or checked out) meanwhile; fetch your cart again',
  ) {
    super(detail);
  }
}

export class CartFullError extends ConflictError {
  readonly code = 'CART.FULL';
  constructor(max: number) {
    super(`A cart holds at most ${max} different items; remove one first`);
  }
}
