export * from './auth/auth.errors.js';
export * from './auth/password-policy.js';
export * from './auth/roles.js';
export * from './errors/domain-error.js';
export * from './money/money.errors.js';
export * from './money/money.js';
