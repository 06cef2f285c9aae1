import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the provider is known to have each booked refund: `settled_at`
 * and the provider's refund id once it answered with one. A booking kept
 * after a provider error nobody retried (the call timed out, the process
 * died) stays unsettled, and the job `orders.settle-refunds` asks the
 * provider again under the booking's key while that key is still
 * remembered. Bookings made before this column are taken as settled: the
 * provider forgot their keys long ago.
 */
export class RefundSettlement1765700000000 implements MigrationInterface {
  name = 'RefundSettlement1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE refund_bookings
        ADD COLUMN settled_at timestamptz,
        ADD COLUMN refund_id text`);
    await q.query('UPDATE refund_bookings SET settled_at = created_at');
    // The job reads the few unsettled bookings, oldest first.
    await q.query(
      'CREATE INDEX refund_bookings_unsettled_idx ON refund_bookings (created_at) WHERE settled_at IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX refund_bookings_unsettled_idx');
    await q.query('ALTER TABLE refund_bookings DROP COLUMN refund_id, DROP COLUMN settled_at');
  }
}
