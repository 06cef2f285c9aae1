import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { CatalogCache } from '../src/catalog/cache/catalog-cache.js';
import { CATALOG_CHANGED_CHANNEL, CatalogChanges } from '../src/catalog/cache/catalog-changes.js';
import { MemoryCatalogCache } from '../src/catalog/cache/memory-catalog-cache.js';
import { RedisCatalogCache } from '../src/catalog/cache/redis-catalog-cache.js';
import { listenerName } from '../src/infrastructure/database/pg-channel-listener.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { type ApiProcess, reap, spawnApi } from './support/api-process.js';
import { API, aProductBody } from './support/catalog.js';
import { eventually } from './support/processes.js';
import { startTestApp, type TestApp, type TestAppOptions } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';
import { anAdmin, type TestUser } from './support/users.js';

/**
 * A process that dies right after its write commits: whatever it meant to
 * do afterwards never happens, only what the transaction itself carried.
 */
class DiesAfterCommit extends CatalogChanges {
  override committed(): Promise<void> {
    return Promise.resolve();
  }
}

const diesAfterCommit: TestAppOptions['override'] = (builder) =>
  builder.overrideProvider(CatalogChanges).useFactory({
    inject: [CatalogCache, JobQueue],
    factory: (cache: CatalogCache, jobs: JobQueue) => new DiesAfterCommit(cache, jobs),
  });

// Far longer than any test waits: a page served stale would be served for the whole test.
const TTL = { CATALOG_CACHE_TTL_SECONDS: '300' };
/**
 * This file runs up to four processes on one database beside other test
 * files: small pools keep them all under PostgreSQL's connection limit.
 */
const SMALL_POOLS = { DB_POOL_SIZE: '4' };

/** Polls the product's price through `t` until it is `amount`; fails after `ms`. */
async function eventuallyPriced(t: TestApp, slug: string, amount: number, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const { body } = await t.http.get(`${API}/products/${slug}`).expect(200);
    const seen = (body as { variants: { price: { amount: number } }[] }).variants[0]!.price.amount;
    if (seen === amount) return;
    if (Date.now() > until) throw new Error(`still priced ${seen}, not ${amount}, after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until every app listens: a listener coming up drops its process's
 * pages (it may have missed writes), which must not pass for a write being
 * heard. Each app waits for its own at start, but only for so long.
 */
async function allListening(apps: TestApp[]): Promise<void> {
  const ds = apps[0]!.get(DataSource);
  const until = Date.now() + 10_000;
  for (;;) {
    const [row] = (await ds.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1`,
      [listenerName(CATALOG_CHANGED_CHANNEL)],
    )) as { n: number }[];
    if (row!.n >= apps.length) break;
    if (Date.now() > until) throw new Error(`${row!.n} of ${apps.length} processes listening`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Connected and LISTEN sent: its reply, and the drop, follow at once.
  await new Promise((r) => setTimeout(r, 200));
}

/** States of the invalidation jobs, oldest first, of the last two writes. */
async function invalidationJobStates(t: TestApp): Promise<string[]> {
  const rows = (await t
    .get(DataSource)
    .query(
      `SELECT state FROM pgboss.job WHERE name = 'catalog.invalidate' ORDER BY created_on DESC LIMIT 2`,
    )) as { state: string }[];
  return rows.map((r) => r.state).reverse();
}

interface Product {
  id: string;
  slug: string;
  variants: { id: string }[];
}

async function aCachedProduct(writer: TestApp, admin: TestUser, readers: TestApp[]) {
  const p = (
    await writer.http.post(`${API}/admin/products`).set(admin.auth).send(aProductBody()).expect(201)
  ).body as Product;
  // Read twice through each: the second is a hit of that process's cache.
  for (const t of readers) {
    for (let i = 0; i < 2; i++) await eventuallyPriced(t, p.slug, 1500);
  }
  return p;
}

async function reprice(writer: TestApp, admin: TestUser, p: Product, amount: number) {
  await writer.http
    .patch(`${API}/admin/variants/${p.variants[0]!.id}`)
    .set(admin.auth)
    .send({ price: { amount, currency: 'EUR' } })
    .expect(200);
}

describe('catalog writes reach every process (in-process caches, no Redis)', () => {
  const env = { CATALOG_CACHE: 'memory', ...TTL, ...SMALL_POOLS };
  let a: TestApp;
  let b: TestApp;
  let dying: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    a = await startTestApp({ env });
    b = await startTestApp({ env, database: a.db });
    dying = await startTestApp({ env, database: a.db, override: diesAfterCommit });
    admin = await anAdmin(a);
    await allListening([a, b, dying]);
  });
  afterAll(async () => {
    await dying?.close();
    await b?.close();
    await a?.close();
  });

  test('each process has a cache of its own', () => {
    expect(a.get(CatalogCache)).toBeInstanceOf(MemoryCatalogCache);
    expect(b.get(CatalogCache)).not.toBe(a.get(CatalogCache));
  });

  test('PATCH /admin/variants/:id through one process → another serves the new price before its TTL', async () => {
    const p = await aCachedProduct(a, admin, [a, b]);
    await reprice(a, admin, p, 2100);
    // The writer reads its own write at once, without waiting for anything.
    const own = await a.http.get(`${API}/products/${p.slug}`).expect(200);
    expect(
      (own.body as { variants: { price: { amount: number } }[] }).variants[0]!.price.amount,
    ).toBe(2100);
    await eventuallyPriced(b, p.slug, 2100);
  });

  test('DELETE /admin/products/:id through one process → another stops listing it', async () => {
    const p = await aCachedProduct(a, admin, [b]);
    await a.http.delete(`${API}/admin/products/${p.id}`).set(admin.auth).expect(204);
    const until = Date.now() + 10_000;
    while ((await b.http.get(`${API}/products/${p.slug}`)).status !== 404) {
      if (Date.now() > until)
        throw new Error('the archived product is still served by the other process');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  test('a writer that invalidated its own cache withdraws the job its write enqueued', async () => {
    const p = await aCachedProduct(a, admin, [a]);
    await reprice(a, admin, p, 2200);
    expect(await invalidationJobStates(a)).toEqual(['cancelled', 'cancelled']);
  });

  test('a writer that dies after commit: every other process still drops the old page', async () => {
    const p = await aCachedProduct(dying, admin, [a, b]);
    await reprice(dying, admin, p, 2300);
    await eventuallyPriced(b, p.slug, 2300);
    await eventuallyPriced(a, p.slug, 2300);
  });
});

describe('npm run start:prod: workers with in-process caches', () => {
  let cluster: ApiProcess | undefined;
  let writer: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    const db = await createTestDatabase({ migrated: true });
    writer = await startTestApp({ database: db, env: { CATALOG_CACHE: 'memory', ...SMALL_POOLS } });
    admin = await anAdmin(writer);
    cluster = await spawnApi('cluster.js', {
      DATABASE_URL: db.url,
      WEB_CONCURRENCY: '2',
      CATALOG_CACHE: 'memory',
      ...TTL,
      ...SMALL_POOLS,
    });
    const api = cluster;
    // Both workers serve once each has logged its API URL (after listen).
    const serving = () =>
      new Set(
        api
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { pid: number; msg?: string })
          .filter((l) => l.msg?.startsWith('API ') === true)
          .map((l) => l.pid),
      ).size;
    expect(await eventually(() => serving() === 2, 1_200)).toBe(true);
  }, 120_000);
  afterAll(async () => {
    if (cluster && cluster.child.exitCode === null) {
      cluster.child.kill('SIGTERM');
      await cluster.exited;
    }
    reap(cluster);
    await writer?.close();
  });

  /** The prices a series of requests to the workers (taken in turns) answer. */
  async function pricesServed(slug: string): Promise<Set<number>> {
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) {
      // A connection each: the primary hands connections to its workers in turns.
      const res = await fetch(`http://127.0.0.1:${cluster!.port}${API}/products/${slug}`, {
        headers: { connection: 'close' },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { variants: { price: { amount: number } }[] };
      seen.add(body.variants[0]!.price.amount);
    }
    return seen;
  }

  test('a write made elsewhere is served by every worker before the pages expire', async () => {
    const p = (
      await writer.http
        .post(`${API}/admin/products`)
        .set(admin.auth)
        .send(aProductBody())
        .expect(201)
    ).body as Product;
    // Every worker now holds the page.
    expect(await pricesServed(p.slug)).toEqual(new Set([1500]));
    await reprice(writer, admin, p, 2900);
    const until = Date.now() + 10_000;
    let seen = await pricesServed(p.slug);
    while (seen.size !== 1 || !seen.has(2900)) {
      if (Date.now() > until) throw new Error(`workers still serve ${[...seen].join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
      seen = await pricesServed(p.slug);
    }
  });
});

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  process.stderr.write(
    '\n[tests] catalog-invalidation: Redis part SKIPPED — REDIS_URL is not set, the invalidation job on a shared cache was not tested\n',
  );
}
const describeWithRedis = redisUrl ? describe : describe.skip;

describeWithRedis('catalog writes reach the shared cache (Redis)', () => {
  const env = { CATALOG_CACHE: 'redis', REDIS_URL: redisUrl!, ...TTL, ...SMALL_POOLS };
  let dying: TestApp;
  let b: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    dying = await startTestApp({ env, override: diesAfterCommit });
    b = await startTestApp({ env, database: dying.db });
    admin = await anAdmin(dying);
  });
  afterAll(async () => {
    await b?.close();
    await dying?.close();
  });

  test('both processes share the Redis cache', () => {
    expect(b.get(CatalogCache)).toBeInstanceOf(RedisCatalogCache);
  });

  test('a writer that dies after commit: the job enqueued with the write moves the shared generation', async () => {
    const p = await aCachedProduct(dying, admin, [b]);
    const [before] = await dying.db.rows<{ at: Date }>('SELECT clock_timestamp() AS at');
    await reprice(dying, admin, p, 2700);
    // Its backstop delay, as if it had passed: this write's job is due now
    // (not the product's creation's, which would move the generation too).
    const due = await dying.db.rows(
      `UPDATE pgboss.job SET start_after = now()
        WHERE name = 'catalog.invalidate' AND state = 'created' AND created_on >= $1 RETURNING id`,
      [before!.at],
    );
    expect(due).toHaveLength(1);
    // The job runs in whichever process polls first (RUN_WORKER=inline in both).
    await eventuallyPriced(b, p.slug, 2700, 15_000);
  });
});
