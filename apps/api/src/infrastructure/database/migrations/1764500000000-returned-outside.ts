import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Money of an order that went back to the customer outside its refunds: a
 * chargeback the shop lost, or a case staff settled by hand. A cancelled
 * order holding a late payment stops waiting for a person once this covers
 * what it holds, so the partial index of that list follows the new
 * predicate (the list's query must match it to use it).
 */
export class ReturnedOutside1764500000000 implements MigrationInterface {
  name = 'ReturnedOutside1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orders ADD COLUMN amount_returned_outside bigint NOT NULL DEFAULT 0
        CHECK (amount_returned_outside >= 0)`);
    await q.query('DROP INDEX orders_awaiting_refund_idx');
    await q.query(`
      CREATE INDEX orders_awaiting_refund_idx ON orders (created_at DESC, id DESC)
       WHERE status = 'cancelled'
         AND amount_paid > GREATEST(refund_requested, amount_refunded) + amount_returned_outside`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX orders_awaiting_refund_idx');
    await q.query(`
      CREATE INDEX orders_awaiting_refund_idx ON orders (created_at DESC, id DESC)
       WHERE status = 'cancelled' AND amount_paid > GREATEST(refund_requested, amount_refunded)`);
    await q.query('ALTER TABLE orders DROP COLUMN amount_returned_outside');
  }
}
