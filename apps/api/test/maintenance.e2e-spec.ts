import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { CleanupHandlers } from '../src/maintenance/cleanup.handlers.js';
import { IdempotencyKeyCleanupService } from '../src/maintenance/idempotency-key-cleanup.service.js';
import { PasswordResetCleanupService } from '../src/maintenance/password-reset-cleanup.service.js';
import { RefreshTokenCleanupService } from '../src/maintenance/refresh-token-cleanup.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer } from './support/users.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

describe('scheduled clean-ups', () => {
  let t: TestApp;
  let ds: DataSource;
  let userId: string;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.get(DataSource);
    userId = (await aCustomer(t)).id;
  });
  afterAll(() => t.close());

  test('the four clean-ups are published as schedules', async () => {
    const rows: { name: string; cron: string }[] = await ds.query(
      "SELECT name, cron FROM pgboss.schedule WHERE name LIKE 'maintenance.%' ORDER BY name",
    );
    expect(rows.map((r) => r.name)).toEqual([
      'maintenance.expire-guest-carts',
      'maintenance.prune-idempotency-keys',
      'maintenance.prune-password-resets',
      'maintenance.prune-refresh-tokens',
    ]);
  });

  test('refresh tokens: deletes those expired or revoked over 7 days ago, keeps live, spent-but-unexpired and recently revoked ones', async () => {
    const insert = (hash: string, expires: Date, revoked: Date | null, spent: Date | null) =>
      ds.query(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, revoked_at, spent_at)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)`,
        [userId, hash, expires, revoked, spent],
      );
    await insert('expired-long-ago', daysAgo(8), null, null);
    await insert('revoked-long-ago', daysAgo(-20), daysAgo(10), null);
    await insert('live', daysAgo(-20), null, null);
    await insert('spent-not-expired', daysAgo(-20), null, daysAgo(9));
    await insert('expired-recently', daysAgo(2), null, null);
    await insert('revoked-recently', daysAgo(-20), daysAgo(1), null);

    expect(await t.get(RefreshTokenCleanupService).prune(NOW)).toBe(2);
    const left: { token_hash: string }[] = await ds.query(
      'SELECT token_hash FROM refresh_tokens WHERE user_id = $1 ORDER BY token_hash',
      [userId],
    );
    expect(left.map((r) => r.token_hash)).toEqual([
      'expired-recently',
      'live',
      'revoked-recently',
      'spent-not-expired',
    ]);
    expect(await t.get(RefreshTokenCleanupService).prune(NOW)).toBe(0);
  });

  test('refresh tokens: a spent token long expired is kept while its family lives, as replaying it is what revokes a stolen session', async () => {
    const owner = (await aCustomer(t)).id;
    const family = async (tokens: [hash: string, expires: Date, spent: Date | null][]) => {
      const [{ id }] = await ds.query('SELECT gen_random_uuid() AS id');
      for (const [hash, expires, spent] of tokens) {
        await ds.query(
          `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, spent_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [id, owner, hash, expires, spent],
        );
      }
    };
    await family([
      ['live-family-spent', daysAgo(8), daysAgo(38)],
      ['live-family-head', daysAgo(-20), null],
    ]);
    await family([
      ['ended-family-spent', daysAgo(9), daysAgo(39)],
      ['ended-family-head', daysAgo(8), null],
    ]);
    await family([
      ['just-ended-family-spent', daysAgo(8), daysAgo(38)],
      ['just-ended-family-head', daysAgo(1), null],
    ]);

    expect(await t.get(RefreshTokenCleanupService).prune(NOW)).toBe(3);
    const left: { token_hash: string }[] = await ds.query(
      'SELECT token_hash FROM refresh_tokens WHERE user_id = $1 ORDER BY token_hash',
      [owner],
    );
    expect(left.map((r) => r.token_hash)).toEqual([
      'just-ended-family-head',
      'live-family-head',
      'live-family-spent',
    ]);
  });

  test('password reset tokens: deletes those expired over 7 days ago, used or not, keeps the rest', async () => {
    const insert = (hash: string, expires: Date, used: Date | null) =>
      ds.query(
        `INSERT INTO password_reset_tokens (user_id, token_hash, credentials_version, expires_at, used_at)
         VALUES ($1, $2, 0, $3, $4)`,
        [userId, hash, expires, used],
      );
    await insert('expired-long-ago', daysAgo(8), null);
    await insert('used-long-ago', daysAgo(9), daysAgo(9));
    await insert('expired-recently', daysAgo(2), null);
    await insert('used-recently', daysAgo(1), daysAgo(1));
    await insert('live', daysAgo(-1), null);

    expect(await t.get(PasswordResetCleanupService).prune(NOW)).toBe(2);
    const left: { token_hash: string }[] = await ds.query(
      'SELECT token_hash FROM password_reset_tokens WHERE user_id = $1 ORDER BY token_hash',
      [userId],
    );
    expect(left.map((r) => r.token_hash)).toEqual(['expired-recently', 'live', 'used-recently']);
    expect(await t.get(PasswordResetCleanupService).prune(NOW)).toBe(0);
  });

  test('idempotency keys: deletes completed keys older than 24 h, keeps recent ones and those in progress for under a week', async () => {
    const insert = (key: string, created: Date, status: string) =>
      ds.query(
        `INSERT INTO idempotency_keys (user_id, key, scope, request_hash, status, created_at)
         VALUES ($1, $2, 'checkout', 'h', $3, $4)`,
        [userId, key, status, created],
      );
    await insert('old-done', hoursAgo(30), 'completed');
    await insert('old-running', hoursAgo(30), 'in_progress');
    await insert('new-done', hoursAgo(2), 'completed');
    await insert('crashed', daysAgo(8), 'in_progress');
    expect(await t.get(IdempotencyKeyCleanupService).prune(NOW)).toBe(2);
    const left: { key: string }[] = await ds.query('SELECT key FROM idempotency_keys ORDER BY key');
    expect(left.map((r) => r.key)).toEqual(['new-done', 'old-running']);
  });

  test('guest carts: the scheduled handler expires guest carts untouched for 30 days, never user carts', async () => {
    const insert = async (owner: string | null, token: string | null, updated: Date) => {
      const rows: { id: string }[] = await ds.query(
        'INSERT INTO carts (user_id, token_hash, updated_at) VALUES ($1, $2, $3) RETURNING id',
        [owner, token, updated],
      );
      return rows[0]!.id;
    };
    const old = new Date(Date.now() - 40 * 86_400_000);
    const abandoned = await insert(null, 'abandoned', old);
    const fresh = await insert(null, 'fresh', new Date());
    const userCart = await insert(userId, null, old);
    expect(await t.get(CleanupHandlers).expireGuestCarts()).toBe(1);
    const rows: { id: string; status: string }[] = await ds.query(
      'SELECT id, status FROM carts WHERE id = ANY($1::uuid[])',
      [[abandoned, fresh, userCart]],
    );
    const status = new Map(rows.map((r) => [r.id, r.status]));
    expect(status.get(abandoned)).toBe('expired');
    expect(status.get(fresh)).toBe('active');
    expect(status.get(userCart)).toBe('active');
  });
});
