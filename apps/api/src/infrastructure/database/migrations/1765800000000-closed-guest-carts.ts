import type { MigrationInterface, QueryRunner } from 'typeorm';

import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index.js';

/**
 * The hourly cleanup deletes guest carts closed (expired or merged) 30 days
 * ago, oldest first: a range of this index over closed guest carts only.
 * Anyone may open a guest cart, so the table can be large: built
 * concurrently, outside a transaction, and skipped when it exists already.
 */
export class ClosedGuestCarts1765800000000 implements MigrationInterface {
  name = 'ClosedGuestCarts1765800000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      q,
      'carts_closed_guest_idx',
      `carts (updated_at) WHERE user_id IS NULL AND status IN ('expired', 'merged')`,
    );
  }

  // TypeORM's own revert command ignores `transaction = false`: run it with
  // `-t none`, or CONCURRENTLY refuses to run.
  async down(q: QueryRunner): Promise<void> {
    await dropIndexConcurrently(q, 'carts_closed_guest_idx');
  }
}
