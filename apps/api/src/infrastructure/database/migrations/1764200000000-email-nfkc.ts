import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * E-mail addresses are now stored in NFKC (see normalizeEmail); rows stored
 * before in another form would no longer be found at login. Rewrites them,
 * except where two accounts fold to one address: those are left as they are
 * for an operator to resolve, rather than failing the migration.
 */
export class EmailNfkc1764200000000 implements MigrationInterface {
  name = 'EmailNfkc1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE users u SET email = lower(normalize(u.email, NFKC))
       WHERE u.email IS NOT NFKC NORMALIZED
         AND NOT EXISTS (
           SELECT 1 FROM users o
            WHERE o.id <> u.id
              AND lower(normalize(o.email, NFKC)) = lower(normalize(u.email, NFKC)))
    `);
  }

  async down(): Promise<void> {
    // The former spellings are not kept; NFKC addresses still work before it.
  }
}
