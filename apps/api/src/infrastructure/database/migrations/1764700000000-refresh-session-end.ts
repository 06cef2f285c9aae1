import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each refresh token records when its session (the sign-in that started its
 * family) ends, so that rotation cannot keep a session alive for ever. Tokens
 * issued before have none; their family gets one at its next rotation.
 */
export class RefreshSessionEnd1764700000000 implements MigrationInterface {
  name = 'RefreshSessionEnd1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE refresh_tokens
        ADD COLUMN session_ends_at timestamptz,
        ADD CONSTRAINT refresh_tokens_within_session
          CHECK (session_ends_at IS NULL OR expires_at <= session_ends_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE refresh_tokens DROP COLUMN session_ends_at');
  }
}
