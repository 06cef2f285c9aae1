import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session ends when a token of its refresh-token family is revoked (a
 * logout, a replayed token, a password change) or when its tokens are
 * deleted (with the account). Access tokens name their session (`sid`), and API processes keep
 * whether it is live in memory (AccountAccessCache): each end notifies
 * `account_access` with `session:<family id>` at commit, on the listener
 * that already hears account changes, whoever wrote it. A TRUNCATE notifies
 * `*`: forget everything. A process still on the code before this one takes
 * the payload for an account id it does not hold, and drops nothing.
 */
export class SessionEndedNotify1766200000000 implements MigrationInterface {
  name = 'SessionEndedNotify1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('account_access',
          CASE WHEN TG_OP = 'TRUNCATE' THEN '*' ELSE 'session:' || OLD.family_id::text END);
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER refresh_tokens_revoked
        AFTER UPDATE OF revoked_at ON refresh_tokens
        FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
        EXECUTE FUNCTION notify_session_ended()`);
    // Only a token that could still be used: the daily clean-up deletes
    // expired and long-revoked ones by the thousand, which end nothing (a
    // family left with rows, none revoked, lives on).
    await q.query(`
      CREATE TRIGGER refresh_tokens_removed
        AFTER DELETE ON refresh_tokens
        FOR EACH ROW
        WHEN (OLD.revoked_at IS NULL AND OLD.expires_at > now())
        EXECUTE FUNCTION notify_session_ended()`);
    await q.query(`
      CREATE TRIGGER refresh_tokens_truncated
        AFTER TRUNCATE ON refresh_tokens
        FOR EACH STATEMENT
        EXECUTE FUNCTION notify_session_ended()`);
    // Whether a family has a revoked token, asked on every session check the
    // cache cannot answer and by every refresh: without it, each read every
    // token of the family, one per rotation kept for up to 90 days.
    await q.query(
      'CREATE INDEX refresh_tokens_revoked_family_idx ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX refresh_tokens_revoked_family_idx');
    await q.query('DROP TRIGGER refresh_tokens_truncated ON refresh_tokens');
    await q.query('DROP TRIGGER refresh_tokens_removed ON refresh_tokens');
    await q.query('DROP TRIGGER refresh_tokens_revoked ON refresh_tokens');
    await q.query('DROP FUNCTION notify_session_ended()');
  }
}
