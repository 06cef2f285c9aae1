import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /admin/users?q=` looks for text anywhere in an account's e-mail or
 * name, in any case: `lower(column) LIKE '%…%'`, which no B-tree can serve.
 * Trigram indexes on exactly those expressions let the planner find the
 * matches (a bitmap OR of the two) instead of reading every account.
 */
export class AccountSearch1765200000000 implements MigrationInterface {
  name = 'AccountSearch1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email) gin_trgm_ops)',
    );
    await q.query('CREATE INDEX users_name_trgm_idx ON users USING gin (lower(name) gin_trgm_ops)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX users_name_trgm_idx');
    await q.query('DROP INDEX users_email_trgm_idx');
  }
}
