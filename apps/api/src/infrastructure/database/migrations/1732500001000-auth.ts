import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Auth1732500001000 implements MigrationInterface {
  name = 'Auth1732500001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // E-mails are unique whatever their case.
    await q.query('CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))');
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        spent_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)');
    await q.query('CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)');
    await q.query('CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refresh_tokens');
    await q.query('DROP TABLE users');
  }
}
