import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Orders1732500004000 implements MigrationInterface {
  name = 'Orders1732500004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
        status text NOT NULL CHECK (status IN
          ('pending_payment', 'paid', 'fulfilled', 'cancelled', 'partially_refunded', 'refunded')),
        currency char(3) NOT NULL,
        subtotal bigint NOT NULL CHECK (subtotal >= 0),
        total bigint NOT NULL CHECK (total >= 0),
        shipping_address jsonb NOT NULL,
        payment_intent_id text UNIQUE,
        amount_paid bigint NOT NULL DEFAULT 0,
        amount_refunded bigint NOT NULL DEFAULT 0,
        -- Set when a payment does not match the order (amount, currency):
        -- a person must look before the order moves on.
        review_reason text,
        reservation_expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC)',
    );
    await q.query(
      'CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC)',
    );
    await q.query(
      `CREATE INDEX orders_pending_expiry_idx ON orders (reservation_expires_at) WHERE status = 'pending_payment'`,
    );
    await q.query(`
      CREATE TABLE order_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        variant_id uuid NOT NULL REFERENCES variants(id) ON DELETE RESTRICT,
        sku text NOT NULL,
        name text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price bigint NOT NULL CHECK (unit_price >= 0),
        line_total bigint NOT NULL CHECK (line_total >= 0)
      )`);
    await q.query('CREATE INDEX order_lines_order_idx ON order_lines (order_id)');
    await q.query(`
      CREATE TABLE order_status_history (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        from_status text,
        to_status text NOT NULL,
        cause text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id)',
    );
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key text NOT NULL,
        scope text NOT NULL,
        request_hash text NOT NULL,
        status text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'completed')),
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (user_id, scope, key)
      )`);
    await q.query('CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
    await q.query('DROP TABLE order_status_history');
    await q.query('DROP TABLE order_lines');
    await q.query('DROP TABLE orders');
  }
}
