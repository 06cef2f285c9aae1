import type { CategoryNodeDto, CreateCategoryDto } from '@minishop/contracts';
import {
  assertRoomForCategory,
  DuplicateSlugError,
  slugFor,
  UnknownCategoryError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CatalogCache } from './cache/catalog-cache.js';
import { CatalogWriteRepository } from './persistence/catalog-write.repository.js';

@Injectable()
export class CategoryAdminService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogWriteRepository,
    private readonly cache: CatalogCache,
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
      return created;
    });
    await this.cache.invalidate();
    return { id, slug, name: input.name, children: [] };
  }
}
