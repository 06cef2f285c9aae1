import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /admin/users` pages newest first by (created_at, id), as orders do.
 * Disabled accounts are few: `?disabled=true` gets an index of its own
 * rather than walking every enabled account.
 */
export class AccountListing1764900000000 implements MigrationInterface {
  name = 'AccountListing1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX users_created_idx ON users (created_at DESC, id DESC)');
    await q.query(
      'CREATE INDEX users_disabled_created_idx ON users (created_at DESC, id DESC) WHERE disabled',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX users_disabled_created_idx');
    await q.query('DROP INDEX users_created_idx');
  }
}
