import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface CategoryRecord {
  id: string;
  slug: string;
  name: string;
  parentId: string | null;
}

export interface CategoryPatch {
  name?: string;
  slug?: string;
  parentId?: string | null;
}

const COLUMNS = 'id, slug, name, parent_id AS "parentId"';

/**
 * Changes to existing categories (create is CatalogWriteRepository's, with
 * products). Every method but `find` runs inside the caller's transaction,
 * which has taken the categories table's write lock (lockAndCountCategories)
 * first: one category write at a time, so a move's loop check and a slug
 * check stay true until commit.
 */
@Injectable()
export class CategoryWriteRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The category, its row locked: FOR UPDATE to delete it, so a product
   * written meanwhile with this category (its foreign key takes a key-share
   * lock on the row) either commits first and is counted by `usage`, or
   * waits and then finds the category gone; FOR NO KEY UPDATE to change it,
   * which leaves product writes naming it free to go on (a new slug, a key
   * column, still waits for them when it is written).
   */
  async lockById(
    m: EntityManager,
    id: string,
    purpose: 'change' | 'delete',
  ): Promise<CategoryRecord | null> {
    const lock = purpose === 'delete' ? 'FOR UPDATE' : 'FOR NO KEY UPDATE';
    const rows: CategoryRecord[] = await m.query(
      `SELECT ${COLUMNS} FROM categories WHERE id = $1 ${lock}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Read outside any transaction. */
  async find(id: string): Promise<CategoryRecord | null> {
    const rows: CategoryRecord[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM categories WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Every category's parent (null at the top level). */
  async parents(m: EntityManager): Promise<Map<string, string | null>> {
    const rows: { id: string; parent_id: string | null }[] = await m.query(
      'SELECT id, parent_id FROM categories',
    );
    return new Map(rows.map((r) => [r.id, r.parent_id]));
  }

  async slugTaken(m: EntityManager, slug: string, exceptId: string): Promise<boolean> {
    const rows: unknown[] = await m.query('SELECT 1 FROM categories WHERE slug = $1 AND id <> $2', [
      slug,
      exceptId,
    ]);
    return rows.length > 0;
  }

  async update(m: EntityManager, id: string, patch: CategoryPatch): Promise<CategoryRecord> {
    // An UPDATE ... RETURNING answers [rows, count] through TypeORM.
    const [rows] = (await m.query(
      `UPDATE categories
          SET name = COALESCE($2, name), slug = COALESCE($3, slug),
              parent_id = CASE WHEN $4 THEN $5::uuid ELSE parent_id END
        WHERE id = $1
        RETURNING ${COLUMNS}`,
      [
        id,
        patch.name ?? null,
        patch.slug ?? null,
        patch.parentId !== undefined,
        patch.parentId ?? null,
      ],
    )) as [CategoryRecord[], number];
    return rows[0]!;
  }

  /**
   * What still hangs on the category: its subcategories and its products
   * not archived. The products are locked (in id order, after the category,
   * as product writes lock them) before they are counted, so one being
   * un-archived meanwhile is counted as it commits, not left live without
   * its category by the delete's ON DELETE SET NULL.
   */
  async usage(m: EntityManager, id: string): Promise<{ subcategories: number; products: number }> {
    const rows: { subcategories: number; products: number }[] = await m.query(
      `SELECT (SELECT count(*) FROM categories WHERE parent_id = $1)::int AS subcategories,
              (SELECT count(*) FILTER (WHERE p.status <> 'archived')
                 FROM (SELECT status FROM products WHERE category_id = $1
                        ORDER BY id FOR NO KEY UPDATE) p)::int AS products`,
      [id],
    );
    return rows[0]!;
  }

  /** Archived products that named it lose the category (the foreign key's ON DELETE SET NULL). */
  async delete(m: EntityManager, id: string): Promise<void> {
    await m.query('DELETE FROM categories WHERE id = $1', [id]);
  }
}
