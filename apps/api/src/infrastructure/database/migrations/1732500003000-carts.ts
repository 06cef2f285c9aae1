import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Carts1732500003000 implements MigrationInterface {
  name = 'Carts1732500003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE carts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        -- Guest carts: only the SHA-256 of the X-Cart-Token is stored.
        token_hash text UNIQUE,
        status text NOT NULL DEFAULT 'active'
          CHECK (status IN ('active', 'merged', 'checked_out', 'expired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT carts_owner CHECK (user_id IS NOT NULL OR token_hash IS NOT NULL)
      )`);
    // One active cart per user: concurrent "get or create" cannot make two.
    await q.query(
      `CREATE UNIQUE INDEX carts_one_active_per_user ON carts (user_id) WHERE status = 'active' AND user_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX carts_guest_updated_idx ON carts (updated_at) WHERE user_id IS NULL AND status = 'active'`,
    );
    await q.query(`
      CREATE TABLE cart_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cart_id uuid NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
        variant_id uuid NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
        -- Unit price when the line was last added to, to flag a price change.
        added_unit_price bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Two concurrent adds of one variant upsert into one line.
        CONSTRAINT cart_lines_one_per_variant UNIQUE (cart_id, variant_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cart_lines');
    await q.query('DROP TABLE carts');
  }
}
