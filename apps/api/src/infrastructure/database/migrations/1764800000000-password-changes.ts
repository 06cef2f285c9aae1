import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Password change and reset. `credentials_version` counts an account's
 * password changes; access tokens, refresh tokens and reset tokens record
 * the version they were issued under and stop working once it moves on, so
 * a change ends every session, even one a racing sign-in started with the
 * old password. Reset tokens are stored as hashes, as refresh tokens are.
 */
export class PasswordChanges1764800000000 implements MigrationInterface {
  name = 'PasswordChanges1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN credentials_version integer NOT NULL DEFAULT 0
          CONSTRAINT users_credentials_version_check CHECK (credentials_version >= 0)`);
    await q.query(`
      ALTER TABLE refresh_tokens ADD COLUMN credentials_version integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE password_reset_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL CONSTRAINT password_reset_tokens_hash_key UNIQUE,
        credentials_version integer NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id)');
    await q.query(
      'CREATE INDEX password_reset_tokens_expires_idx ON password_reset_tokens (expires_at)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE password_reset_tokens');
    await q.query('ALTER TABLE refresh_tokens DROP COLUMN credentials_version');
    await q.query('ALTER TABLE users DROP COLUMN credentials_version');
  }
}
