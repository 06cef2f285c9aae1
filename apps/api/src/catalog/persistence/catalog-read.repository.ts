import type { ProductSort } from '@minishop/contracts';
import { isUuid, SLUG_MAX_LENGTH, SLUG_PATTERN } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { likePattern } from '../../infrastructure/database/like-pattern.js';
import type { ProductCursor } from '../product-cursor.js';
import type { CategoryRow, ProductRow } from './product-row.js';

export interface ProductFilter {
  /** Which products: the public catalog lists active ones only (the default). */
  status?: 'active' | 'archived' | 'any';
  q?: string;
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  sort: ProductSort;
  limit: number;
  after?: ProductCursor;
}

interface SortSpec {
  expr: string;
  dir: 'ASC' | 'DESC';
  key: string;
  cast: string;
}

const SORTS: Record<ProductSort, SortSpec> = {
  newest: {
    expr: 'p.created_at',
    dir: 'DESC',
    // Spelled out, not ::text, which follows the server's DateStyle (a
    // 'SQL, DMY' server prints 28/11/2026 …, which no cursor accepts).
    key: `to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`,
    cast: 'timestamptz',
  },
  price: { expr: 'p.min_price', dir: 'ASC', key: 'p.min_price::int8', cast: 'int8' },
  '-price': { expr: 'p.min_price', dir: 'DESC', key: 'p.min_price::int8', cast: 'int8' },
  name: { expr: 'p.name', dir: 'ASC', key: 'p.name', cast: 'text' },
};

// Variants and category are aggregated into each product row, so a page of
// any size is exactly one query (no N+1 on variants).
const PRODUCT_COLUMNS = `
  p.id, p.slug, p.name, p.description, p.status, p.min_price, p.max_price, p.created_at,
  CASE WHEN c.id IS NULL THEN NULL
       ELSE json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) END AS category,
  COALESCE((
    SELECT json_agg(json_build_object(
             'id', v.id, 'sku', v.sku, 'name', v.name, 'price', v.price,
             'currency', v.currency, 'on_hand', v.on_hand, 'reserved', v.reserved)
           ORDER BY v.price, v.sku)
    FROM variants v WHERE v.product_id = p.id), '[]'::json) AS variants`;

/**
 * Whether `s` may be a slug. Nothing else can name a product or category;
 * some strings (a NUL) would even fail the query, as PostgreSQL text cannot
 * hold them.
 */
const maybeSlug = (s: string) => s.length <= SLUG_MAX_LENGTH && SLUG_PATTERN.test(s);

/** The public catalog's read queries. */
@Injectable()
export class CatalogReadRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One page plus one extra row, which tells the caller whether there is a next page. */
  async listProducts(filter: ProductFilter): Promise<ProductRow[]> {
    const params: unknown[] = [];
    const p = (value: unknown) => `$${params.push(value)}`;
    const status = filter.status ?? 'active';
    const where = status === 'any' ? ['TRUE'] : [`p.status = ${p(status)}`];
    if (filter.q) {
      // Full-text for whole words, trigram-indexed ILIKE for partial ones
      // ("moc" finds "Mocha") that the tsquery would miss.
      const q = p(filter.q);
      where.push(
        `(p.search @@ websearch_to_tsquery('simple', ${q}) OR p.name ILIKE ${p(likePattern(filter.q))})`,
      );
    }
    if (filter.category !== undefined) {
      // A slug the category had before still names it, unless a category
      // holds it now: old links keep listing what they listed.
      // UNION, not UNION ALL: a loop in the stored tree (only possible by a
      // write outside the API) ends the walk instead of running it forever.
      const slug = p(filter.category);
      where.push(`p.category_id IN (
        WITH RECURSIVE tree AS (
          SELECT id FROM (SELECT COALESCE(
              (SELECT id FROM categories WHERE slug = ${slug}),
              (SELECT category_id FROM category_former_slugs WHERE slug = ${slug})) AS id) named
           WHERE id IS NOT NULL
          UNION
          SELECT c.id FROM categories c JOIN tree ON c.parent_id = tree.id)
        SELECT id FROM tree)`);
    }
    if (filter.minPrice !== undefined || filter.maxPrice !== undefined) {
      // A product matches when one of its variants is priced within the range.
      where.push(`EXISTS (SELECT 1 FROM variants fv WHERE fv.product_id = p.id
        AND fv.price >= ${p(filter.minPrice ?? 0)} AND fv.price <= ${p(filter.maxPrice ?? Number.MAX_SAFE_INTEGER)})`);
    }
    const sort = SORTS[filter.sort];
    if (filter.after) {
      const op = sort.dir === 'DESC' ? '<' : '>';
      where.push(
        `(${sort.expr}, p.id) ${op} (${p(filter.after.key)}::${sort.cast}, ${p(filter.after.id)}::uuid)`,
      );
    }
    const sql = `
      SELECT ${PRODUCT_COLUMNS}, ${sort.key} AS sort_key
      FROM products p LEFT JOIN categories c ON c.id = p.category_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${sort.expr} ${sort.dir}, p.id ${sort.dir}
      LIMIT ${p(filter.limit + 1)}`;
    return this.dataSource.query<ProductRow[]>(sql, params);
  }

  async findProduct(idOrSlug: string, includeArchived: boolean): Promise<ProductRow | null> {
    const byId = isUuid(idOrSlug);
    if (!byId && !maybeSlug(idOrSlug)) return null;
    const column = byId ? 'p.id' : 'p.slug';
    const rows = await this.dataSource.query<ProductRow[]>(
      `SELECT ${PRODUCT_COLUMNS}, NULL AS sort_key
       FROM products p LEFT JOIN categories c ON c.id = p.category_id
       WHERE ${column} = $1 ${includeArchived ? '' : `AND p.status = 'active'`}`,
      [idOrSlug],
    );
    return rows[0] ?? null;
  }

  /**
   * The current slug of the active product that once had `slug`, or null.
   * Asked only once `slug` named no active product: a product holding it now,
   * even an archived one, is never redirected away from.
   */
  async currentSlugOf(slug: string): Promise<string | null> {
    if (!maybeSlug(slug)) return null;
    const rows = await this.dataSource.query<{ slug: string }[]>(
      `SELECT p.slug FROM product_former_slugs f JOIN products p ON p.id = f.product_id
        WHERE f.slug = $1 AND p.status = 'active'
          AND NOT EXISTS (SELECT 1 FROM products held WHERE held.slug = $1)`,
      [slug],
    );
    return rows[0]?.slug ?? null;
  }

  categories(): Promise<CategoryRow[]> {
    return this.dataSource.query<CategoryRow[]>(
      'SELECT id, slug, name, parent_id FROM categories ORDER BY name, id',
    );
  }
}
