import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Catalog1732500002000 implements MigrationInterface {
  name = 'Catalog1732500002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE categories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        name text NOT NULL,
        parent_id uuid REFERENCES categories(id) ON DELETE RESTRICT,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX categories_parent_idx ON categories (parent_id)');
    await q.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        category_id uuid REFERENCES categories(id) ON DELETE SET NULL,
        -- Denormalised price range of the product's variants, kept in step by
        -- the catalog services, so price filters and sorts use an index
        -- instead of aggregating variants per row.
        min_price bigint NOT NULL DEFAULT 0,
        max_price bigint NOT NULL DEFAULT 0,
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', coalesce(name, '')), 'A') ||
          setweight(to_tsvector('simple', coalesce(description, '')), 'B')
        ) STORED,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX products_search_idx ON products USING gin (search)');
    await q.query('CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops)');
    await q.query('CREATE INDEX products_category_idx ON products (category_id)');
    await q.query(
      'CREATE INDEX products_newest_idx ON products (status, created_at DESC, id DESC)',
    );
    await q.query('CREATE INDEX products_price_idx ON products (status, min_price, id)');
    await q.query('CREATE INDEX products_name_idx ON products (status, name, id)');
    await q.query(`
      CREATE TABLE variants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        product_id uuid NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
        sku text NOT NULL UNIQUE,
        name text NOT NULL,
        price bigint NOT NULL CHECK (price > 0),
        currency char(3) NOT NULL,
        on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
        reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- The last line of defence against overselling: whatever a use case
        -- does, the database refuses to reserve more than is on hand.
        CONSTRAINT variants_reserved_le_on_hand CHECK (reserved <= on_hand)
      )`);
    await q.query('CREATE INDEX variants_product_idx ON variants (product_id)');
    await q.query(`
      CREATE TABLE stock_movements (
        id bigserial PRIMARY KEY,
        variant_id uuid NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
        delta integer NOT NULL,
        reason text NOT NULL,
        on_hand_after integer NOT NULL,
        actor_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX stock_movements_variant_idx ON stock_movements (variant_id, created_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE stock_movements');
    await q.query('DROP TABLE variants');
    await q.query('DROP TABLE products');
    await q.query('DROP TABLE categories');
  }
}
