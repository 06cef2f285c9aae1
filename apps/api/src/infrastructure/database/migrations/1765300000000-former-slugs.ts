import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The slugs products and categories had before an admin changed them, so
 * that links and search-engine entries with an old slug keep working (a
 * product's old slug redirects to its page, a category's old slug still
 * filters the list).
 *
 * A former slug names one product (or category): the one that gave it up
 * last. A slug in use is nobody's former slug, so whatever holds a slug now
 * is what is served, and a slug given back (A → B → A) leaves no record
 * behind; a record names a product, not a slug, so renames in a row never
 * chain.
 *
 * Kept by triggers rather than by each writer: every path that writes a
 * slug (the admin routes, the import, the seed) keeps the history in its own
 * transaction, and OLD.slug is exactly the value the update replaced,
 * however many writers race on the row.
 */
export class FormerSlugs1765300000000 implements MigrationInterface {
  name = 'FormerSlugs1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE product_former_slugs (
        slug       text PRIMARY KEY,
        product_id uuid NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        retired_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX product_former_slugs_product_idx ON product_former_slugs (product_id)',
    );
    await q.query(`
      CREATE FUNCTION record_former_product_slug() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM product_former_slugs WHERE slug = NEW.slug;
        IF TG_OP = 'UPDATE' AND OLD.slug <> NEW.slug THEN
          INSERT INTO product_former_slugs (slug, product_id) VALUES (OLD.slug, NEW.id)
          ON CONFLICT (slug) DO UPDATE SET product_id = EXCLUDED.product_id, retired_at = now();
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER products_former_slugs AFTER INSERT OR UPDATE OF slug ON products
      FOR EACH ROW EXECUTE FUNCTION record_former_product_slug()`);

    await q.query(`
      CREATE TABLE category_former_slugs (
        slug        text PRIMARY KEY,
        -- A deleted category's old links lead nowhere, as its current one does.
        category_id uuid NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        retired_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE INDEX category_former_slugs_category_idx ON category_former_slugs (category_id)',
    );
    await q.query(`
      CREATE FUNCTION record_former_category_slug() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM category_former_slugs WHERE slug = NEW.slug;
        IF TG_OP = 'UPDATE' AND OLD.slug <> NEW.slug THEN
          INSERT INTO category_former_slugs (slug, category_id) VALUES (OLD.slug, NEW.id)
          ON CONFLICT (slug) DO UPDATE SET category_id = EXCLUDED.category_id, retired_at = now();
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER categories_former_slugs AFTER INSERT OR UPDATE OF slug ON categories
      FOR EACH ROW EXECUTE FUNCTION record_former_category_slug()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER categories_former_slugs ON categories');
    await q.query('DROP FUNCTION record_former_category_slug()');
    await q.query('DROP TABLE category_former_slugs');
    await q.query('DROP TRIGGER products_former_slugs ON products');
    await q.query('DROP FUNCTION record_former_product_slug()');
    await q.query('DROP TABLE product_former_slugs');
  }
}
