import type { EntityManager } from 'typeorm';

/**
 * The categories `slugs` name, slug → id: the category that holds a slug
 * now, or else the one that had it before (a former slug; a slug in use is
 * nobody's former slug, see the former-slugs migration), as the catalog's
 * category filter reads them. Key-share locked in id order, so a category
 * named here is not deleted before the caller's transaction ends.
 */
export async function categoryIdsBySlug(
  m: EntityManager,
  slugs: readonly string[],
): Promise<Map<string, string>> {
  if (slugs.length === 0) return new Map();
  const rows: { id: string; slug: string }[] = await m.query(
    `SELECT c.id, s.slug
       FROM unnest($1::text[]) AS s(slug)
       JOIN categories c ON c.id = COALESCE(
         (SELECT id FROM categories WHERE slug = s.slug),
         (SELECT category_id FROM category_former_slugs f WHERE f.slug = s.slug))
      ORDER BY c.id FOR KEY SHARE OF c`,
    [slugs],
  );
  return new Map(rows.map((r) => [r.slug, r.id]));
}
