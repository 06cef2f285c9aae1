import type { TransactionOptions } from '../infrastructure/database/transaction-runner.js';

/**
 * For every transaction that may revoke a refresh-token family (a refresh,
 * a logout). Two of them working on different tokens of one family each lock
 * their own token's row first and can then deadlock on the family's other
 * rows; PostgreSQL aborts one, and re-run it finds the family revoked
 * already. One definition, so a refresh and a logout racing each other
 * retry alike.
 */
export const TOKEN_FAMILY_RETRIES = { retries: 3 } as const satisfies TransactionOptions;
