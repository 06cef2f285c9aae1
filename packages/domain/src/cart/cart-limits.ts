export const MIN_LINE_QUANTITY = 1;
export const MAX_LINE_QUANTITY = 99;

/** Guest carts untouched for this long are expired. */
export const GUEST_CART_TTL_DAYS = 30;
