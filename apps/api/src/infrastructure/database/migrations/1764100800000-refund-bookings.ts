import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per refund asked of the provider, keyed by the provider's
 * idempotency key. A retry of a refund (same key) finds its row and books
 * nothing more, so `orders.refund_requested` counts each refund once however
 * often it is retried.
 */
export class RefundBookings1764100800000 implements MigrationInterface {
  name = 'RefundBookings1764100800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refund_bookings (
        idempotency_key text PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        amount bigint NOT NULL CHECK (amount > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX refund_bookings_order_idx ON refund_bookings (order_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refund_bookings');
  }
}
