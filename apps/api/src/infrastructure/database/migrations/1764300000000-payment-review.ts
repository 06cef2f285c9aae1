import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's decision on a payment held for review. `rejected` is written
 * before the payment is refunded, so a concurrent or later accept is refused
 * while the refund may be on its way; the review reason is cleared once the
 * decision is carried out, the decision stays. The partial index serves the
 * admins' list of orders waiting for that decision.
 */
export class PaymentReview1764300000000 implements MigrationInterface {
  name = 'PaymentReview1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orders ADD COLUMN review_decision text
        CHECK (review_decision IN ('accepted', 'rejected'))`);
    await q.query(`
      CREATE INDEX orders_awaiting_review_idx ON orders (created_at DESC, id DESC)
       WHERE review_reason IS NOT NULL AND status = 'pending_payment'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX orders_awaiting_review_idx');
    await q.query('ALTER TABLE orders DROP COLUMN review_decision');
  }
}
