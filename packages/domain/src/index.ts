export * from './auth/auth.errors.js';
export * from './auth/roles.js';
export * from './cart/cart.errors.js';
export * from './cart/cart-limits.js';
export * from './cart/cart-rules.js';
export * from './errors/domain-error.js';
export * from './money/money.errors.js';
export * from './money/money.js';
