export * from './cart/cart.dto.js';
export * from './cart/cart-requests.dto.js';
export * from './catalog/product.dto.js';
export * from './catalog/product-query.dto.js';
export * from './catalog/product-write.dto.js';
export * from './common/money.dto.js';
export * from './common/pagination.dto.js';
export * from './common/problem.dto.js';
