export * from './common/money.dto.js';
export * from './common/pagination.dto.js';
export * from './common/problem.dto.js';
export * from './orders/address.dto.js';
export * from './orders/checkout.dto.js';
export * from './orders/order.dto.js';
export * from './payments/stripe-webhook-ack.dto.js';
