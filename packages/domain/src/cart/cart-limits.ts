export const MIN_LINE_QUANTITY = 1;
export const MAX_LINE_QUANTITY = 99;

/** Guest carts untouched for this long are expired. */
export const GUEST_CART_TTL_DAYS = 30;

/**
 * Guest carts closed (expired, or merged into an account's) this long ago
 * are deleted with their lines: nobody can use their tokens any more, and
 * anyone may open guest carts, so kept for good they would only grow.
 */
export const CLOSED_GUEST_CART_KEPT_DAYS = 30;

/** Distinct variants one cart may hold: bounds every cart reply and checkout. */
export const MAX_CART_LINES = 100;
