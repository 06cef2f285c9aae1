import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SHA-256 of the checkout request that made the order, kept with the
 * order: the key's own record (idempotency_keys) is pruned after 24 hours,
 * the order's key is not. A later request under the same key is answered
 * with the order only when it sends the same body; another body is a 422, as
 * it is while the record lives. Orders made before this take the hash of
 * their key's record where it is still kept; older ones have none, and keep
 * being answered as before.
 */
export class CheckoutRequestHash1766300000000 implements MigrationInterface {
  name = 'CheckoutRequestHash1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders ADD COLUMN checkout_request_hash text`);
    // Orders whose key's record has not been pruned yet keep its hash.
    await q.query(`
      UPDATE orders o SET checkout_request_hash = k.request_hash
        FROM idempotency_keys k
       WHERE k.scope = 'checkout' AND k.user_id = o.user_id AND k.key = o.checkout_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orders DROP COLUMN checkout_request_hash`);
  }
}
