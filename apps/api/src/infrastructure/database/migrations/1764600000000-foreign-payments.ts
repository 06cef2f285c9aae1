import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Money an order received in another currency than its own (a late payment
 * whose intent's currency was changed at the provider) is kept apart, in its
 * own currency, instead of being added to the order's figures as if it were
 * in the order's. An order has one intent, so one other currency at most:
 * columns, not rows. A cancelled order holding such money waits for a
 * person too, so the partial index of that list follows the new predicate
 * (the list's query must match it to use it).
 */
export class ForeignPayments1764600000000 implements MigrationInterface {
  name = 'ForeignPayments1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orders
        ADD COLUMN foreign_currency char(3) CHECK (foreign_currency <> currency),
        ADD COLUMN foreign_paid bigint NOT NULL DEFAULT 0 CHECK (foreign_paid >= 0),
        ADD COLUMN foreign_refunded bigint NOT NULL DEFAULT 0 CHECK (foreign_refunded >= 0),
        ADD COLUMN foreign_refund_requested bigint NOT NULL DEFAULT 0
          CHECK (foreign_refund_requested >= 0),
        ADD COLUMN foreign_returned_outside bigint NOT NULL DEFAULT 0
          CHECK (foreign_returned_outside >= 0),
        ADD CONSTRAINT orders_foreign_payment_currency CHECK (
          foreign_currency IS NOT NULL
          OR foreign_paid + foreign_refunded + foreign_refund_requested + foreign_returned_outside = 0)`);
    // A refund booking of such money is booked in its figures; a retry must know which.
    await q.query(`
      ALTER TABLE refund_bookings ADD COLUMN ledger text NOT NULL DEFAULT 'order'
        CHECK (ledger IN ('order', 'foreign'))`);
    await q.query('DROP INDEX orders_awaiting_refund_idx');
    await q.query(`
      CREATE INDEX orders_awaiting_refund_idx ON orders (created_at DESC, id DESC)
       WHERE status = 'cancelled'
         AND (amount_paid > GREATEST(refund_requested, amount_refunded) + amount_returned_outside
              OR foreign_paid > GREATEST(foreign_refund_requested, foreign_refunded)
                                + foreign_returned_outside)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX orders_awaiting_refund_idx');
    await q.query(`
      CREATE INDEX orders_awaiting_refund_idx ON orders (created_at DESC, id DESC)
       WHERE status = 'cancelled'
         AND amount_paid > GREATEST(refund_requested, amount_refunded) + amount_returned_outside`);
    await q.query('ALTER TABLE refund_bookings DROP COLUMN ledger');
    await q.query(`
      ALTER TABLE orders
        DROP CONSTRAINT orders_foreign_payment_currency,
        DROP COLUMN foreign_currency,
        DROP COLUMN foreign_paid,
        DROP COLUMN foreign_refunded,
        DROP COLUMN foreign_refund_requested,
        DROP COLUMN foreign_returned_outside`);
  }
}
