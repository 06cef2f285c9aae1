export * from './auth/auth-replies.dto.js';
export * from './auth/auth-requests.dto.js';
export * from './common/money.dto.js';
export * from './common/pagination.dto.js';
export * from './common/problem.dto.js';
