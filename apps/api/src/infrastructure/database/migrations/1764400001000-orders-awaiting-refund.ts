import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Serves the admins' list of orders waiting for a person, for its second
 * kind: a cancelled order holding money nobody asked back (a late payment
 * whose refund the provider refused, or the bank failed), which only an
 * admin refund gives back. Few rows, so the index stays small.
 */
export class OrdersAwaitingRefund1764400001000 implements MigrationInterface {
  name = 'OrdersAwaitingRefund1764400001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX orders_awaiting_refund_idx ON orders (created_at DESC, id DESC)
       WHERE status = 'cancelled' AND amount_paid > GREATEST(refund_requested, amount_refunded)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX orders_awaiting_refund_idx');
  }
}
