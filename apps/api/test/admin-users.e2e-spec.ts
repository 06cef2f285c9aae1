import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { hashOpaqueToken } from '../src/auth/opaque-token.js';
import { UserRepository } from '../src/auth/user.repository.js';
import { waitFor } from './support/jobs-probe.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, registered, type TestUser, withScopes } from './support/users.js';

const API = '/api/v1';
const PROBLEM = /^application\/problem\+json/;
const ADMIN_USER_FIELDS = ['createdAt', 'disabled', 'email', 'id', 'name', 'role'];

describe('admin users (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await anAdmin(t);
  });
  afterAll(() => t?.close());

  const list = (query: Record<string, string | number | boolean>, as: TestUser = admin) =>
    t.http.get(`${API}/admin/users`).query(query).set(as.auth);
  const patch = (id: string, body: object, as: TestUser = admin) =>
    t.http.patch(`${API}/admin/users/${id}`).set(as.auth).send(body);
  const versionOf = async (id: string) => {
    const [row] = (await t
      .get(DataSource)
      .query('SELECT credentials_version FROM users WHERE id = $1', [id])) as {
      credentials_version: number;
    }[];
    return row!.credentials_version;
  };

  test('only a caller with users:manage may list, read or change accounts', async () => {
    const customer = await aCustomer(t);
    const ordersOnly = withScopes(t, admin, ['orders:manage', 'catalog:write']);
    for (const as of [customer, ordersOnly]) {
      const res = await list({}, as).expect(403);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body.detail).toContain('users:manage');
      await list({ q: customer.email }, as).expect(403);
      await t.http.get(`${API}/admin/users/${customer.id}`).set(as.auth).expect(403);
      await patch(customer.id, { disabled: true }, as).expect(403);
    }
    await t.http.get(`${API}/admin/users`).expect(401);
    // Nothing was changed by the refused calls.
    await t.http.get(`${API}/me`).set(customer.auth).expect(200);
  });

  test('lists every account newest first, a page at a time, without secrets', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await registered(t));
    const seen: { id: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string | number> = { limit: 2 };
      if (cursor) query.cursor = cursor;
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } =
        await list(query).expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const item of res.body.items)
        expect(Object.keys(item).sort()).toEqual(ADMIN_USER_FIELDS);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    const ids = seen.map((u) => u.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The three made last come first, newest first; the admin made in beforeAll is in there too.
    expect(ids.slice(0, 3)).toEqual(made.map((u) => u.id).reverse());
    expect(ids).toContain(admin.id);
    const [newest] = seen as { id: string; email: string; disabled: boolean; role: string }[];
    expect(newest).toMatchObject({ email: made[2]!.email, disabled: false, role: 'customer' });
  });

  test('narrows by e-mail in any case, by role and by status', async () => {
    const u = await registered(t);
    const byEmail = await list({ email: `  ${u.email.toUpperCase()} ` }).expect(200);
    expect(byEmail.body.items.map((i: { id: string }) => i.id)).toEqual([u.id]);
    expect(byEmail.body.nextCursor).toBeNull();

    const admins = await list({ role: 'admin', limit: 100 }).expect(200);
    expect(admins.body.items.length).toBeGreaterThan(0);
    expect(admins.body.items.every((i: { role: string }) => i.role === 'admin')).toBe(true);
    expect(admins.body.items.map((i: { id: string }) => i.id)).toContain(admin.id);

    await patch(u.id, { disabled: true }).expect(200);
    const disabled = await list({ disabled: true, limit: 100 }).expect(200);
    expect(disabled.body.items.map((i: { id: string }) => i.id)).toContain(u.id);
    expect(disabled.body.items.every((i: { disabled: boolean }) => i.disabled)).toBe(true);
    const enabled = await list({ disabled: false, limit: 100 }).expect(200);
    expect(enabled.body.items.map((i: { id: string }) => i.id)).not.toContain(u.id);
  });

  describe('search (?q=)', () => {
    /** Text no other account in the (shared, long-lived) test database holds. */
    const aTag = () => `t${randomBytes(6).toString('hex')}`;
    const idsOf = (res: { body: { items: { id: string }[] } }) => res.body.items.map((i) => i.id);
    const account = async (
      email: string,
      name: string,
      role: 'customer' | 'admin' = 'customer',
    ): Promise<string> => {
      const user = await t.get(UserRepository).create({ email, name, role, passwordHash: '!' });
      if (!user) throw new Error(`could not create ${email}`);
      return user.id;
    };

    test('finds text anywhere in the e-mail or the name, in any case, newest first', async () => {
      const tag = aTag();
      const byName = await account(`n-${aTag()}@example.test`, `Ada ${tag.toUpperCase()} Lovelace`);
      const byEmail = await account(`x@adams-${tag}.example`, 'Someone Else');
      await account(`other-${aTag()}@example.test`, 'Nobody');

      expect(idsOf(await list({ q: tag }).expect(200))).toEqual([byEmail, byName]);
      expect(idsOf(await list({ q: ` ${tag.toUpperCase()} ` }).expect(200))).toEqual([
        byEmail,
        byName,
      ]);
      // Part of the e-mail only, part of the name only (typed in another case).
      expect(idsOf(await list({ q: `ams-${tag}.ex` }).expect(200))).toEqual([byEmail]);
      expect(idsOf(await list({ q: `aDA ${tag} lOVE` }).expect(200))).toEqual([byName]);
      const none = await list({ q: `${tag}-nowhere` }).expect(200);
      expect(none.body).toEqual({ items: [], nextCursor: null });
      await list({ q: 'x'.repeat(100) }).expect(200);
    });

    test('%, _ and \\ are the characters themselves, not wildcards', async () => {
      const tag = aTag();
      const mail = () => `w-${aTag()}@example.test`;
      const percent = await account(mail(), `50%off ${tag}`);
      await account(mail(), `500off ${tag}`);
      const underscore = await account(mail(), `a_b ${tag}`);
      await account(mail(), `axb ${tag}`);
      const backslash = await account(mail(), `c\\d ${tag}`);
      await account(mail(), `cd ${tag}`);

      expect(idsOf(await list({ q: `50%off ${tag}` }).expect(200))).toEqual([percent]);
      expect(idsOf(await list({ q: `a_b ${tag}` }).expect(200))).toEqual([underscore]);
      expect(idsOf(await list({ q: `c\\d ${tag}` }).expect(200))).toEqual([backslash]);
      // A lone % would be every account as a wildcard.
      const withPercent = await list({ q: '%', limit: 100 }).expect(200);
      const items = withPercent.body.items as { email: string; name: string }[];
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => `${i.email}${i.name}`.includes('%'))).toBe(true);
    });

    test('holds together with the e-mail, role and status filters', async () => {
      const tag = aTag();
      const enabledEmail = `e-${tag}@example.test`;
      const enabled = await account(enabledEmail, 'Enabled Customer');
      const disabled = await account(`d-${tag}@example.test`, 'Disabled Customer');
      const staff = await account(`s-${tag}@example.test`, 'Staff', 'admin');
      await patch(disabled, { disabled: true }).expect(200);

      expect(idsOf(await list({ q: tag }).expect(200))).toEqual([staff, disabled, enabled]);
      expect(idsOf(await list({ q: tag, role: 'admin' }).expect(200))).toEqual([staff]);
      expect(idsOf(await list({ q: tag, disabled: true }).expect(200))).toEqual([disabled]);
      expect(idsOf(await list({ q: tag, role: 'customer', disabled: false }).expect(200))).toEqual([
        enabled,
      ]);
      expect(idsOf(await list({ q: 'customer', email: enabledEmail }).expect(200))).toEqual([
        enabled,
      ]);
      expect(idsOf(await list({ q: 'staff', email: enabledEmail }).expect(200))).toEqual([]);
    });

    test('pages through the matches only, across cursors, as any list', async () => {
      const tag = aTag();
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        made.push(await account(`p${i}-${tag}@example.test`, `Paged ${i}`));
        // Accounts in between that do not match must not fill the pages.
        await account(`between-${aTag()}@example.test`, 'Between');
      }
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = { q: tag, limit: 2 };
        if (cursor) query.cursor = cursor;
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } =
          await list(query).expect(200);
        pages.push(idsOf(res));
        cursor = res.body.nextCursor;
      } while (cursor && pages.length < 10);
      const newestFirst = [...made].reverse();
      expect(pages).toEqual([
        newestFirst.slice(0, 2),
        newestFirst.slice(2, 4),
        newestFirst.slice(4),
      ]);
    });
  });

  test.each([
    ['limit 0', { limit: 0 }],
    ['limit 101', { limit: 101 }],
    ['an unknown role', { role: 'root' }],
    ['a status that is not a boolean', { disabled: 'yes' }],
    ['an empty e-mail', { email: ' ' }],
    ['an empty search', { q: '' }],
    ['a search of spaces only', { q: '   ' }],
    ['a search over 100 characters', { q: 'x'.repeat(101) }],
    ['a made-up cursor', { cursor: 'bm90LWEtY3Vyc29y' }],
    ['an unknown parameter', { password: 'x' }],
  ])('a query with %s → 400 problem', async (_, query) => {
    const res = await list(query).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  test("one list's cursor is refused by the other: /admin/users and /admin/orders", async () => {
    await registered(t);
    await registered(t);
    const page = await list({ limit: 1 }).expect(200);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const onOrders = await t.http
      .get(`${API}/admin/orders`)
      .query({ cursor: page.body.nextCursor })
      .set(admin.auth)
      .expect(400);
    expect(onOrders.body.type).toMatch(/pagination-invalid-cursor$/);
    // An orders cursor is [instant, id]: well formed, but not a users one.
    const ordersCursor = Buffer.from(
      JSON.stringify(['2026-11-25T10:00:00.000000', '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url');
    await t.http
      .get(`${API}/admin/orders`)
      .query({ cursor: ordersCursor })
      .set(admin.auth)
      .expect(200);
    const onUsers = await list({ cursor: ordersCursor }).expect(400);
    expect(onUsers.body.type).toMatch(/pagination-invalid-cursor$/);
  });

  test('reads one account; unknown and malformed ids are 404s', async () => {
    const u = await registered(t);
    const res = await t.http.get(`${API}/admin/users/${u.id}`).set(admin.auth).expect(200);
    expect(res.body).toEqual({
      id: u.id,
      email: u.email,
      name: u.name,
      role: 'customer',
      disabled: false,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const missing = await t.http.get(`${API}/admin/users/${id}`).set(admin.auth).expect(404);
      expect(missing.body.type).toMatch(/auth-user-not-found$/);
      await patch(id, { disabled: true }).expect(404);
    }
    // What is not an id is not repeated back (it could hold anything).
    const odd = await t.http
      .get(`${API}/admin/users/${encodeURIComponent('x\u001b[2Jy')}`)
      .set(admin.auth)
      .expect(404);
    expect(odd.body.detail).toBe('No account has that id (an id is a UUID)');
  });

  test('disabling ends every session; enabling lets the customer sign in anew, not resume', async () => {
    const u = await registered(t);
    const before = await versionOf(u.id);
    const res = await patch(u.id, { disabled: true }).expect(200);
    expect(res.body).toMatchObject({ id: u.id, disabled: true });
    expect(await versionOf(u.id)).toBe(before + 1);

    await t.http.get(`${API}/me`).set(u.auth).expect(401);
    await t.http.post(`${API}/auth/refresh`).send({ refreshToken: u.refreshToken }).expect(401);
    const login = () =>
      t.http.post(`${API}/auth/login`).send({ email: u.email, password: u.password });
    expect((await login().expect(401)).body.type).toMatch(/auth-account-disabled$/);

    expect((await patch(u.id, { disabled: false }).expect(200)).body.disabled).toBe(false);
    // The tokens from before stay dead: the account was signed out, not paused.
    await t.http.get(`${API}/me`).set(u.auth).expect(401);
    await t.http.post(`${API}/auth/refresh`).send({ refreshToken: u.refreshToken }).expect(401);
    const again = await login().expect(200);
    await t.http
      .get(`${API}/me`)
      .set({ Authorization: `Bearer ${again.body.accessToken}` })
      .expect(200);
  });

  test('the status an account already has changes nothing, even asked for at once', async () => {
    const u = await registered(t);
    const before = await versionOf(u.id);
    await patch(u.id, { disabled: false }).expect(200);
    expect(await versionOf(u.id)).toBe(before);
    await t.http.get(`${API}/me`).set(u.auth).expect(200);

    const replies = await Promise.all(
      Array.from({ length: 5 }, () => patch(u.id, { disabled: true })),
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(replies.every((r) => r.body.disabled === true)).toBe(true);
    // Queued on the account's row: one of them disabled it, the others found it so.
    expect(await versionOf(u.id)).toBe(before + 1);
  });

  test('an admin cannot disable their own account', async () => {
    const me = await anAdmin(t);
    const res = await patch(me.id, { disabled: true }, me).expect(422);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.type).toMatch(/auth-self-disable$/);
    await list({}, me).expect(200);
    // Another admin may.
    await patch(me.id, { disabled: true }).expect(200);
    await list({}, me).expect(401);
  });

  test('an admin cannot disable their own account by sending its id in upper case', async () => {
    const me = await anAdmin(t);
    const res = await patch(me.id.toUpperCase(), { disabled: true }, me).expect(422);
    expect(res.body.type).toMatch(/auth-self-disable$/);
    await list({}, me).expect(200);
  });

  test('two admins disabling each other at once: one wins, the other is refused, an admin remains', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await anAdmin(t), await anAdmin(t)];
      const replies = await Promise.all([
        patch(b.id, { disabled: true }, a),
        patch(a.id, { disabled: true }, b),
      ]);
      // The one that locked second finds its admin disabled.
      expect(replies.map((r) => r.status).sort()).toEqual([200, 401]);
      const rows = (await t
        .get(DataSource)
        .query('SELECT disabled FROM users WHERE id = ANY($1::uuid[])', [[a.id, b.id]])) as {
        disabled: boolean;
      }[];
      expect(rows.map((r) => r.disabled).sort()).toEqual([false, true]);
    }
  });

  test('disabling does not deadlock with a refresh that holds its token and issues the next one', async () => {
    const u = await registered(t);
    const runner = t.get(DataSource).createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // A refresh's order: its token row locked, then a new token inserted
      // (which takes a key-share lock on the account's row). Checked after
      // 10 ms rather than 1 s, a deadlock would fail this transaction.
      await runner.query(`SET LOCAL deadlock_timeout = '10ms'`);
      await runner.query('SELECT id FROM refresh_tokens WHERE user_id = $1 FOR UPDATE', [u.id]);
      const disabling = patch(u.id, { disabled: true }).then((r) => r);
      // The disable has locked the account and waits for the token row.
      await waitFor(async () => {
        const [row] = (await t.get(DataSource).query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE refresh_tokens%'`,
        )) as { n: number }[];
        return row!.n > 0 ? true : undefined;
      }, 'the disable to wait for the token row');
      await runner.query(
        `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
         VALUES (gen_random_uuid(), $1, md5(random()::text), now() + interval '1 day')`,
        [u.id],
      );
      await runner.commitTransaction();
      expect((await disabling).status).toBe(200);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });

  test('a reset link issued before the account was disabled stays dead after it is enabled again', async () => {
    const u = await registered(t);
    const token = randomBytes(32).toString('base64url');
    await t.get(DataSource).query(
      `INSERT INTO password_reset_tokens (user_id, token_hash, credentials_version, expires_at)
       SELECT id, $2, credentials_version, now() + interval '1 hour' FROM users WHERE id = $1`,
      [u.id, hashOpaqueToken(token)],
    );
    await patch(u.id, { disabled: true }).expect(200);
    await patch(u.id, { disabled: false }).expect(200);
    const res = await t.http
      .post(`${API}/auth/password-reset/confirm`)
      .send({ token, newPassword: 'a brand new passphrase' })
      .expect(400);
    expect(res.body.type).toMatch(/auth-invalid-reset-token$/);
    await t.http
      .post(`${API}/auth/login`)
      .send({ email: u.email, password: u.password })
      .expect(200);
  });

  test.each([
    ['a role', { disabled: false, role: 'admin' }],
    ['an e-mail', { disabled: false, email: 'taken@example.test' }],
    ['a password hash', { disabled: false, passwordHash: 'x' }],
    ['no status', {}],
    ['a status that is a string', { disabled: 'true' }],
  ])('a body with %s → 400, and the account is unchanged', async (_, body) => {
    const u = await registered(t);
    const res = await patch(u.id, body).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    const stored = await t.http.get(`${API}/admin/users/${u.id}`).set(admin.auth).expect(200);
    expect(stored.body).toMatchObject({ email: u.email, role: 'customer', disabled: false });
  });
});
