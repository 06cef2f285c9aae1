import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whose cart absorbed a merged guest cart, so that only that user's retry
 * of the merge is answered as done. Carts merged before this column have
 * none: a merge sent again for one is a 404, as for any closed token.
 * Nullable without a default: no rewrite of the table.
 */
export class GuestCartMergedBy1765900000000 implements MigrationInterface {
  name = 'GuestCartMergedBy1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE carts ADD COLUMN merged_by uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE carts DROP COLUMN merged_by');
  }
}
