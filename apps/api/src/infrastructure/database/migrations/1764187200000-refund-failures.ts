import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per refund the provider failed after accepting it, keyed by the
 * provider's refund id. Stripe reports a failure in two events
 * (`refund.failed`, `charge.refund.updated`) and may deliver each more than
 * once: the row makes the amount come off `orders.refund_requested` once.
 */
export class RefundFailures1764187200000 implements MigrationInterface {
  name = 'RefundFailures1764187200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refund_failures (
        refund_id text PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        amount bigint NOT NULL CHECK (amount > 0),
        failure_reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX refund_failures_order_idx ON refund_failures (order_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refund_failures');
  }
}
