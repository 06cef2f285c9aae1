import type { MigrationInterface, QueryRunner } from 'typeorm';

import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index.js';

const INDEXES = [
  ['users_email_trgm_idx', 'email'],
  ['users_name_trgm_idx', 'name'],
] as const;

/**
 * `GET /admin/users?q=` looks for text anywhere in an account's e-mail or
 * name, in any case: `lower(column) LIKE '%…%'`, which no B-tree can serve.
 * Trigram indexes on exactly those expressions let the planner find the
 * matches (a bitmap OR of the two) instead of reading every account.
 *
 * Built concurrently, outside a transaction: a plain build would hold off
 * sign-ups, password changes and account updates while it reads every
 * account.
 */
export class AccountSearch1765200000000 implements MigrationInterface {
  name = 'AccountSearch1765200000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const [index, column] of INDEXES) {
      await createIndexConcurrently(q, index, `users USING gin (lower(${column}) gin_trgm_ops)`);
    }
  }

  // TypeORM's own revert command ignores `transaction = false`: run it with
  // `-t none`, or CONCURRENTLY refuses to run.
  async down(q: QueryRunner): Promise<void> {
    for (const [index] of [...INDEXES].reverse()) await dropIndexConcurrently(q, index);
  }
}
