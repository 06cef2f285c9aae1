import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to what the guard checks of an account (its role, whether
 * it is disabled, its credentials version) and every deletion notifies
 * `account_access` with the account's id, sent when the transaction
 * commits. API processes keep that check in memory (AccountAccessCache) and
 * drop it on the notification, whoever made the change: the API, the CLI
 * or plain SQL. A TRUNCATE notifies `*`: forget every account. Writes that
 * skip triggers (session_replication_role = replica, as logical replication
 * and pg_restore --disable-triggers use) are not notified; entries expire
 * after ACCOUNT_CACHE_SECONDS.
 */
export class AccountAccessNotify1765000000000 implements MigrationInterface {
  name = 'AccountAccessNotify1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_account_access() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('account_access', CASE WHEN TG_OP = 'TRUNCATE' THEN '*' ELSE OLD.id::text END);
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER users_access_changed
        AFTER UPDATE OF role, disabled, credentials_version ON users
        FOR EACH ROW
        WHEN (OLD.role IS DISTINCT FROM NEW.role
          OR OLD.disabled IS DISTINCT FROM NEW.disabled
          OR OLD.credentials_version IS DISTINCT FROM NEW.credentials_version)
        EXECUTE FUNCTION notify_account_access()`);
    await q.query(`
      CREATE TRIGGER users_access_removed
        AFTER DELETE ON users
        FOR EACH ROW
        EXECUTE FUNCTION notify_account_access()`);
    await q.query(`
      CREATE TRIGGER users_truncated
        AFTER TRUNCATE ON users
        FOR EACH STATEMENT
        EXECUTE FUNCTION notify_account_access()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER users_truncated ON users');
    await q.query('DROP TRIGGER users_access_removed ON users');
    await q.query('DROP TRIGGER users_access_changed ON users');
    await q.query('DROP FUNCTION notify_account_access()');
  }
}
