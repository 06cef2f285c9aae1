import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { CatalogSeedService } from '../src/catalog/seed/catalog-seed.service.js';
import { JobsOptions } from '../src/jobs/jobs.options.js';
import { jobsPool } from '../src/jobs/jobs-pool.js';
import { walkProducts } from './support/catalog.js';
import { fastJobsOptions, waitFor } from './support/jobs-probe.js';
import { aPlacedOrder } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { adminQuery } from './support/test-database.js';
import { anAdmin } from './support/users.js';

const API = '/api/v1';
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A server set to print dates its own way (DateStyle, which a DBA may set
 * for the database): the pg driver reads only ISO, so the app asks for it
 * on each of its connections, and its cursors never depend on it.
 */
describe('a server with another DateStyle', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({
      env: { CATALOG_CACHE: 'memory' },
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions()),
    });
    await t.get(CatalogSeedService).seed();
    await adminQuery(
      `ALTER DATABASE "${t.db.name}" SET datestyle = 'SQL, DMY'; ALTER DATABASE "${t.db.name}" SET timezone = 'Europe/Paris'`,
    );
    // Pooled connections keep the setting they began with: new ones take it.
    await adminQuery(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [t.db.name],
    );
    ds = t.get(DataSource);
    // The pool finds its terminated connections on use and opens new ones.
    await waitFor(
      () =>
        ds
          .query<{ ok: boolean }[]>('SELECT true AS ok')
          .then(([row]) => row?.ok)
          .catch(() => undefined),
      'the pool to reconnect',
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  test("the database's own setting is the one asked for", async () => {
    const [row] = await adminQuery(
      `SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1`,
      [t.db.name],
    ).then((r) => r.rows as { setconfig: string[] }[]);
    expect(row?.setconfig).toContain('DateStyle=SQL, DMY');
  });

  test('the app and job worker pools ask for ISO dates', async () => {
    const [app] = await ds.query<{ DateStyle: string }[]>('SHOW datestyle');
    expect(app?.DateStyle).toMatch(/^ISO,/);
    const pool = jobsPool(t.db.url, 1);
    try {
      const { rows } = await pool.query<{ DateStyle: string }>('SHOW datestyle');
      expect(rows[0]?.DateStyle).toMatch(/^ISO,/);
    } finally {
      await pool.end();
    }
  });

  test('the app reads dates as instants: an order and the accounts list', async () => {
    const placed = await aPlacedOrder(t, 1, 1500);
    const order = await t.http.get(`${API}/orders/${placed.orderId}`).set(placed.user.auth);
    expect(order.status).toBe(200);
    expect(order.body.createdAt).toMatch(ISO_INSTANT);
    expect(Math.abs(Date.parse(order.body.createdAt) - Date.now())).toBeLessThan(10 * 60_000);
    for (const entry of order.body.history) expect(entry.at).toMatch(ISO_INSTANT);

    const admin = await anAdmin(t);
    const users = await t.http.get(`${API}/admin/users`).set(admin.auth);
    expect(users.status).toBe(200);
    expect(users.body.items.length).toBeGreaterThan(0);
    for (const user of users.body.items) expect(user.createdAt).toMatch(ISO_INSTANT);

    // The job worker's pool too: the order's mail is sent.
    const [mail] = await ds.query<{ id: string }[]>(
      `SELECT id FROM pgboss.job WHERE name = 'mail.send' AND data->>'to' = $1`,
      [placed.user.email],
    );
    expect(mail).toBeDefined();
    await waitFor(async () => {
      const [job] = await ds.query<{ state: string }[]>(
        'SELECT state FROM pgboss.job WHERE id = $1',
        [mail!.id],
      );
      return job?.state === 'completed' ? true : undefined;
    }, 'the order mail to be sent');
  });

  test('GET /products, newest first, walks every product page by page', async () => {
    const [active] = await ds.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM products WHERE status = 'active'`,
    );
    const count = active!.count;
    const walked = await walkProducts(t, { sort: 'newest', limit: 5 });
    expect(walked.length).toBe(count);
    expect(new Set(walked.map((p) => p.id)).size).toBe(count);
  });
});
