import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SHA-256 of the checkout request that made the order, kept with the
 * order: the key's own record (idempotency_keys) is pruned after 24 hours,
 * the order's key is not. A later request under the same key is answered
 * with the order only when it sends the same body; another body is a 422, as
 * it is while the record lives. Orders made before this have none, and keep
 * being answered as before.
 */
export class CheckoutRequestHash1766300000000 implements MigrationInterface {
  name = 'CheckoutRequestHash1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN checkout_request_hash text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders DROP COLUMN checkout_request_hash`);
  }
}
