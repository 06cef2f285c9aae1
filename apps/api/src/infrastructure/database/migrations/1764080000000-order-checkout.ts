import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OrderCheckout1764080000000 implements MigrationInterface {
  name = 'OrderCheckout1764080000000';

  async up(q: QueryRunner): Promise<void> {
    // The Idempotency-Key a checkout was made under. Unique per user, so
    // whatever happens to the idempotency_keys row (a crash, a stale retake),
    // the database never holds two orders for one key.
    await q.query('ALTER TABLE orders ADD COLUMN checkout_key text');
    await q.query(
      'CREATE UNIQUE INDEX orders_user_checkout_key ON orders (user_id, checkout_key) WHERE checkout_key IS NOT NULL',
    );
    // Refunds asked of the provider but not yet confirmed by charge.refunded:
    // two admins refunding at once cannot together exceed what was paid.
    await q.query(
      'ALTER TABLE orders ADD COLUMN refund_requested bigint NOT NULL DEFAULT 0 CHECK (refund_requested >= 0)',
    );
    // Admin lists without a status filter.
    await q.query('CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX orders_created_idx');
    await q.query('ALTER TABLE orders DROP COLUMN refund_requested');
    await q.query('DROP INDEX orders_user_checkout_key');
    await q.query('ALTER TABLE orders DROP COLUMN checkout_key');
  }
}
