import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { CatalogSeedService } from '../src/catalog/seed/catalog-seed.service.js';
import { walkProducts } from './support/catalog.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { adminQuery } from './support/test-database.js';

/**
 * A server set to print dates its own way (DateStyle, which a DBA may set
 * for the database) must not change the cursors the API hands out.
 */
describe('catalog cursors on a server with another DateStyle', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { CATALOG_CACHE: 'memory' } });
    await t.get(CatalogSeedService).seed();
    await adminQuery(`ALTER DATABASE "${t.db.name}" SET datestyle = 'SQL, DMY'`);
    // Pooled connections keep the setting they began with: new ones take it.
    await adminQuery(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [t.db.name],
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  test('GET /products, newest first, walks every product page by page', async () => {
    const ds = t.get(DataSource);
    // The pool finds its terminated connections on use and opens new ones.
    let style = '';
    for (let i = 0; i < 50 && style !== 'SQL, DMY'; i++) {
      style = await ds
        .query<{ DateStyle: string }[]>('SHOW datestyle')
        .then(([row]) => row?.DateStyle ?? '')
        .catch(() => '');
    }
    expect(style).toBe('SQL, DMY');
    const [active] = await ds.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM products WHERE status = 'active'`,
    );
    const count = active!.count;
    const walked = await walkProducts(t, { sort: 'newest', limit: 5 });
    expect(walked.length).toBe(count);
    expect(new Set(walked.map((p) => p.id)).size).toBe(count);
  });
});
