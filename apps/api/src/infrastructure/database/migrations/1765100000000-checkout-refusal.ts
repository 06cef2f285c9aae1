import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Checkout's write is one statement that also enqueues pg-boss' job, whose
 * insert cannot be made conditional: a checkout that finds it may not place
 * the order (the cart changed, a product was archived, the key is no longer
 * its own) must roll the whole statement back instead. This raises the
 * error that does so, under its own SQLSTATE (class MS: not PostgreSQL's),
 * with the reason as its message and what it names as its detail.
 */
export class CheckoutRefusal1765100000000 implements MigrationInterface {
  name = 'CheckoutRefusal1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION refuse_checkout(reason text, detail text DEFAULT NULL) RETURNS boolean
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION USING ERRCODE = 'MS409', MESSAGE = reason, DETAIL = coalesce(detail, '');
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION refuse_checkout(text, text)');
  }
}
