import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import pg from 'pg';

import { ACCOUNT_ACCESS_CHANNEL, AccountAccessCache } from '../src/auth/account-access-cache.js';
import { RefreshTokenRepository } from '../src/auth/refresh-token.repository.js';
import { UserRepository } from '../src/auth/user.repository.js';
import { listenerName } from '../src/infrastructure/database/pg-channel-listener.js';
import { eventually } from './support/processes.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer } from './support/users.js';

/**
 * The guard's account check served from memory, against a real PostgreSQL:
 * changes written by another connection (as the CLI, another instance or
 * plain SQL would) reach it through the `users` trigger's notification.
 */
describe('AccountAccessCache', () => {
  let t: TestApp;
  let cache: AccountAccessCache;
  let reads: jest.SpiedFunction<UserRepository['findAccess']>;
  let readFromDatabase: UserRepository['findAccess'];

  beforeAll(async () => {
    t = await startTestApp({ env: { ACCOUNT_CACHE_SECONDS: '60' } });
    cache = t.get(AccountAccessCache);
    const users = t.get(UserRepository);
    readFromDatabase = users.findAccess.bind(users);
    // Calls through: only counts the database reads.
    reads = jest.spyOn(users, 'findAccess');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Database reads made by `n` checks of the account. */
  async function readsFor(id: string, n = 3): Promise<number> {
    const before = reads.mock.calls.length;
    for (let i = 0; i < n; i++) await cache.find(id);
    return reads.mock.calls.length - before;
  }

  /** Until a check of the account is answered from memory. */
  const servedFromMemory = (id: string) => eventually(async () => (await readsFor(id)) === 0);

  test('repeat checks are answered from memory once the listener is up', async () => {
    const u = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);
    expect(await cache.find(u.id)).toEqual({
      role: 'customer',
      disabled: false,
      credentialsVersion: 0,
    });
    // Ids are UUIDs: the same account in upper case is the same entry.
    expect(await readsFor(u.id.toUpperCase())).toBe(0);
  });

  test('a change committed on another connection drops the entry: disabled, role, credentials version', async () => {
    const u = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);

    await t.db.rows('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
    expect(await eventually(async () => (await cache.find(u.id))?.disabled === true)).toBe(true);

    expect(await servedFromMemory(u.id)).toBe(true);
    await t.db.rows("UPDATE users SET role = 'admin' WHERE id = $1", [u.id]);
    expect(await eventually(async () => (await cache.find(u.id))?.role === 'admin')).toBe(true);

    expect(await servedFromMemory(u.id)).toBe(true);
    await t.db.rows(
      'UPDATE users SET credentials_version = credentials_version + 1 WHERE id = $1',
      [u.id],
    );
    expect(await eventually(async () => (await cache.find(u.id))?.credentialsVersion === 1)).toBe(
      true,
    );

    expect(await servedFromMemory(u.id)).toBe(true);
    await t.db.rows('DELETE FROM users WHERE id = $1', [u.id]);
    expect(await eventually(async () => (await cache.find(u.id)) === null)).toBe(true);
  });

  test('a change not yet committed is not served, and the old row is served until it commits', async () => {
    const u = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
      expect((await cache.find(u.id))?.disabled).toBe(false);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    expect(await eventually(async () => (await cache.find(u.id))?.disabled === true)).toBe(true);
  });

  test('while the listening connection is down every check reads the database, and a change made then is seen', async () => {
    const u = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);
    const terminated = await t.db.rows<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [listenerName(ACCOUNT_ACCESS_CHANNEL)],
    );
    expect(terminated).toEqual([{ ok: true }]);
    // Until the listener is back, nothing comes from memory...
    expect(await eventually(async () => (await readsFor(u.id)) === 3)).toBe(true);
    await t.db.rows('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
    // ...and once it is, the change made while it was away is what is served.
    expect(await servedFromMemory(u.id)).toBe(true);
    expect((await cache.find(u.id))?.disabled).toBe(true);
  });

  test('a read overtaken by a change is served but not kept', async () => {
    const u = await aCustomer(t);
    const other = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);
    cache.changed(u.id);
    // A notification (here of another account) lands while the row is read:
    // what was read may predate a change, so it must not be kept.
    reads.mockImplementationOnce(async (id) => {
      const access = await readFromDatabase(id);
      cache.changed(other.id);
      return access;
    });
    expect((await cache.find(u.id))?.disabled).toBe(false);
    expect(await readsFor(u.id, 1)).toBe(1);
  });

  test('a change this process makes is dropped at once, before any notification', async () => {
    const u = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);
    cache.changed(u.id.toUpperCase());
    expect(await readsFor(u.id, 1)).toBe(1);
  });

  describe('sessions', () => {
    let sessionReads: jest.SpiedFunction<RefreshTokenRepository['sessionLive']>;
    beforeAll(() => {
      sessionReads = jest.spyOn(t.get(RefreshTokenRepository), 'sessionLive');
    });

    /** A session (refresh-token family) of a new account, as a sign-in makes one. */
    async function aSession(): Promise<string> {
      const u = await aCustomer(t);
      const familyId = randomUUID();
      await t.db.rows(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, session_ends_at)
         VALUES ($1, $2, $3, now() + interval '1 day', now() + interval '1 day')`,
        [familyId, u.id, randomUUID()],
      );
      return familyId;
    }
    async function sessionReadsFor(id: string, n = 3): Promise<number> {
      const before = sessionReads.mock.calls.length;
      for (let i = 0; i < n; i++) await cache.sessionLive(id);
      return sessionReads.mock.calls.length - before;
    }
    const sessionFromMemory = (id: string) =>
      eventually(async () => (await sessionReadsFor(id)) === 0);

    test('a live session is answered from memory; one revoked on another connection ends', async () => {
      const session = await aSession();
      expect(await sessionFromMemory(session)).toBe(true);
      expect(await cache.sessionLive(session)).toBe(true);

      await t.db.rows('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1', [
        session,
      ]);
      expect(await eventually(async () => (await cache.sessionLive(session)) === false)).toBe(true);
      // An end is for good: never read again.
      expect(await sessionReadsFor(session)).toBe(0);
    });

    test('a session whose tokens are deleted has ended, as has one never seen', async () => {
      const session = await aSession();
      expect(await sessionFromMemory(session)).toBe(true);
      await t.db.rows('DELETE FROM refresh_tokens WHERE family_id = $1', [session]);
      expect(await eventually(async () => (await cache.sessionLive(session)) === false)).toBe(true);
      expect(await cache.sessionLive(randomUUID())).toBe(false);
    });

    test("the clean-up deleting a family's expired tokens ends nothing while one is left", async () => {
      const session = await aSession();
      await t.db.rows(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, spent_at)
         SELECT family_id, user_id, $2, now() - interval '60 days', now() - interval '89 days'
           FROM refresh_tokens WHERE family_id = $1`,
        [session, randomUUID()],
      );
      expect(await sessionFromMemory(session)).toBe(true);
      await t.db.rows(
        "DELETE FROM refresh_tokens WHERE family_id = $1 AND expires_at < now() - interval '7 days'",
        [session],
      );
      // A notification would have come by now: the one of a later end does.
      const other = await aSession();
      expect(await sessionFromMemory(other)).toBe(true);
      await t.db.rows('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1', [other]);
      expect(await eventually(async () => (await cache.sessionLive(other)) === false)).toBe(true);
      expect(await cache.sessionLive(session)).toBe(true);
    });

    test('one revoked token among live ones ends the session', async () => {
      const session = await aSession();
      const [{ user_id: userId } = { user_id: '' }] = await t.db.rows<{ user_id: string }>(
        'SELECT user_id FROM refresh_tokens WHERE family_id = $1',
        [session],
      );
      await t.db.rows(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, revoked_at)
         VALUES ($1, $2, $3, now() + interval '1 day', now())`,
        [session, userId, randomUUID()],
      );
      expect(await cache.sessionLive(session)).toBe(false);
    });

    test('an end this process makes is known at once, before any notification', async () => {
      const session = await aSession();
      expect(await sessionFromMemory(session)).toBe(true);
      cache.sessionEnded(session);
      expect(await cache.sessionLive(session)).toBe(false);
      expect(await sessionReadsFor(session, 1)).toBe(0);
    });
  });

  // Last: it empties the accounts of this file's database.
  test('a TRUNCATE of the accounts forgets every entry', async () => {
    const u = await aCustomer(t);
    expect(await servedFromMemory(u.id)).toBe(true);
    await t.db.rows('TRUNCATE users CASCADE');
    expect(await eventually(async () => (await cache.find(u.id)) === null)).toBe(true);
  });
});

describe('AccountAccessCache with ACCOUNT_CACHE_SECONDS=0', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { ACCOUNT_CACHE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('every check reads the database, and no listening connection is opened', async () => {
    const u = await aCustomer(t);
    const users = t.get(UserRepository);
    const spy = jest.spyOn(users, 'findAccess');
    const cache = t.get(AccountAccessCache);
    for (let i = 0; i < 5; i++) await cache.find(u.id);
    expect(spy).toHaveBeenCalledTimes(5);
    const listeners = await t.db.rows(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = $1 AND datname = current_database()`,
      [listenerName(ACCOUNT_ACCESS_CHANNEL)],
    );
    expect(listeners).toEqual([]);
  });
});
