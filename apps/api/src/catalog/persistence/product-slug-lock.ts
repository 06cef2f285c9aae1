import type { EntityManager } from 'typeorm';

/**
 * Takes, until the transaction ends, a lock per product slug (in key order,
 * so two writers cannot deadlock on them). A product inserted or renamed
 * but not yet committed cannot be seen, let alone row-locked: a writer that
 * counts a slug's variants (the import, against the per-product limit) would
 * count it empty while another adds variants under the same slug. Every
 * writer that gives a product a slug takes this first, so the count that
 * follows sees what the other wrote. (The key's name predates its sharing;
 * changing it would let two versions of the app skip each other's locks.)
 */
export async function lockProductSlugs(m: EntityManager, slugs: readonly string[]): Promise<void> {
  if (slugs.length === 0) return;
  await m.query(
    `SELECT pg_advisory_xact_lock(k.key)
       FROM (SELECT DISTINCT hashtextextended('minishop-import-product:' || s, 0) AS key
               FROM unnest($1::text[]) AS s ORDER BY 1) AS k`,
    [slugs],
  );
}
