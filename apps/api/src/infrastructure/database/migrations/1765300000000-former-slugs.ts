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
    for (const owner of OWNERS) {
      for (const statement of history(owner)) await q.query(statement);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, entity } of [...OWNERS].reverse()) {
      await q.query(`DROP TRIGGER ${table}_former_slugs ON ${table}`);
      await q.query(`DROP FUNCTION record_former_${entity}_slug()`);
      await q.query(`DROP TABLE ${entity}_former_slugs`);
    }
  }
}

interface Owner {
  /** The table whose rows have slugs. */
  table: 'products' | 'categories';
  /** Its row's name, for the history table, its column and its trigger function. */
  entity: 'product' | 'category';
}

// A deleted product's or category's old links lead nowhere, as its current one does.
const OWNERS: readonly Owner[] = [
  { table: 'products', entity: 'product' },
  { table: 'categories', entity: 'category' },
];

function history({ table, entity }: Owner): string[] {
  return [
    `CREATE TABLE ${entity}_former_slugs (
       slug        text PRIMARY KEY,
       ${entity}_id uuid NOT NULL REFERENCES ${table}(id) ON DELETE CASCADE,
       retired_at  timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX ${entity}_former_slugs_${entity}_idx ON ${entity}_former_slugs (${entity}_id)`,
    `CREATE FUNCTION record_former_${entity}_slug() RETURNS trigger
     LANGUAGE plpgsql AS $$
     BEGIN
       DELETE FROM ${entity}_former_slugs WHERE slug = NEW.slug;
       IF TG_OP = 'UPDATE' AND OLD.slug <> NEW.slug THEN
         INSERT INTO ${entity}_former_slugs (slug, ${entity}_id) VALUES (OLD.slug, NEW.id)
         ON CONFLICT (slug) DO UPDATE SET ${entity}_id = EXCLUDED.${entity}_id, retired_at = now();
       END IF;
       RETURN NULL;
     END
     $$`,
    `CREATE TRIGGER ${table}_former_slugs AFTER INSERT OR UPDATE OF slug ON ${table}
     FOR EACH ROW EXECUTE FUNCTION record_former_${entity}_slug()`,
  ];
}
