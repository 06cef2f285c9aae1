import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a booking's refund is asked with the booking's key in its
 * metadata (`refundBooking`), so the refund can be found among its
 * payment's refunds when Stripe replays a 500 under the booking's
 * idempotency key. Bookings made before are not: their calls went without
 * metadata, and asking again under the same key with metadata would be
 * another request to Stripe (`idempotency_error`), so they keep being asked
 * without. New bookings are named by the insert that makes them, not by
 * the column's default: during a rolling deploy, an instance still on the
 * code before this migration books refunds it asks without metadata, and a
 * default of true would have them asked again with it.
 */
export class RefundBookingNames1766100000000 implements MigrationInterface {
  name = 'RefundBookingNames1766100000000';

  async up(q: QueryRunner): Promise<void> {
    // A constant default: no rewrite of the table.
    await q.query(
      'ALTER TABLE refund_bookings ADD COLUMN named_on_refund boolean NOT NULL DEFAULT false',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE refund_bookings DROP COLUMN named_on_refund');
  }
}
