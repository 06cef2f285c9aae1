import type { CategoryNodeDto, CreateCategoryDto, UpdateCategoryDto } from '@minishop/contracts';
import {
  assertMayDeleteCategory,
  assertMayMoveCategory,
  assertRoomForCategory,
  assertSlug,
  CategoryNotFoundError,
  DuplicateSlugError,
  slugFor,
  UnknownCategoryError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CatalogChanges } from './cache/catalog-changes.js';
import { CatalogWriteRepository } from './persistence/catalog-write.repository.js';
import {
  type CategoryRecord,
  CategoryWriteRepository,
} from './persistence/category-write.repository.js';

/**
 * A delete locks the category before its products; writers that lock
 * products first (the seed's batches) may still meet it the other way round,
 * and PostgreSQL's deadlock victim is then simply run again.
 */
const CATEGORY_WRITE_RETRIES = { retries: 2 } as const;

/** The category alone, as a node of the tree (its children are GET /categories'). */
const asNode = (c: CategoryRecord): CategoryNodeDto => ({
  id: c.id,
  slug: c.slug,
  name: c.name,
  children: [],
});

@Injectable()
export class CategoryAdminService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogWriteRepository,
    private readonly categories: CategoryWriteRepository,
    private readonly changes: CatalogChanges,
  ) {}

  async create(input: CreateCategoryDto): Promise<CategoryNodeDto> {
    const slug = slugFor(input.name, input.slug);
    const id = await this.tx.run(async (m) => {
      // Counted under the table's lock: concurrent creates cannot both take the last place.
      assertRoomForCategory(await this.catalog.lockAndCountCategories(m));
      if (input.parentId && !(await this.catalog.categoryExists(m, input.parentId))) {
        throw new UnknownCategoryError('parentId', input.parentId);
      }
      const created = await this.catalog.insertCategory(m, {
        slug,
        name: input.name,
        parentId: input.parentId ?? null,
      });
      if (!created) throw new DuplicateSlugError(slug);
      await this.changes.record(m);
      return created;
    });
    return { id, slug, name: input.name, children: [] };
  }

  /**
   * Renames, re-slugs or moves a category. The slug is never derived from a
   * new name: links to the old one keep working until it is changed on
   * purpose. Replies with the category alone (`children` empty): the tree
   * is `GET /categories`.
   */
  async update(id: string, patch: UpdateCategoryDto): Promise<CategoryNodeDto> {
    if (patch.slug !== undefined) assertSlug(patch.slug);
    if (patch.name === undefined && patch.slug === undefined && patch.parentId === undefined) {
      // Nothing to change: no transaction, no lock to take, no cache to empty.
      const current = await this.categories.find(id);
      if (!current) throw new CategoryNotFoundError(id);
      return asNode(current);
    }
    const updated = await this.tx.run(async (m) => {
      // One category write at a time: a move's loop check holds until commit.
      await this.catalog.lockAndCountCategories(m);
      const current = await this.categories.lockById(m, id, 'change');
      if (!current) throw new CategoryNotFoundError(id);
      if (patch.parentId !== undefined) {
        // Every category, read under the table's lock: what it holds is what
        // exists. Ids as PostgreSQL writes them (lower case): a parent id sent
        // in upper case must still be recognised as this category or below it.
        const parentOf = await this.categories.parents(m);
        const parentId = patch.parentId?.toLowerCase() ?? null;
        if (parentId !== null && !parentOf.has(parentId)) {
          throw new UnknownCategoryError('parentId', parentId);
        }
        assertMayMoveCategory(current.id, parentId, parentOf);
      }
      if (patch.slug !== undefined && (await this.categories.slugTaken(m, patch.slug, id))) {
        throw new DuplicateSlugError(patch.slug);
      }
      const changed = await this.categories.update(m, id, patch);
      await this.changes.record(m);
      return changed;
    }, CATEGORY_WRITE_RETRIES);
    return asNode(updated);
  }

  /** Only an empty category: no subcategory, no product that is not archived. */
  async remove(id: string): Promise<void> {
    await this.tx.run(async (m) => {
      await this.catalog.lockAndCountCategories(m);
      const current = await this.categories.lockById(m, id, 'delete');
      if (!current) throw new CategoryNotFoundError(id);
      const usage = await this.categories.usage(m, id);
      assertMayDeleteCategory(usage.subcategories, usage.products);
      await this.categories.delete(m, id);
      await this.changes.record(m);
    }, CATEGORY_WRITE_RETRIES);
  }
}
