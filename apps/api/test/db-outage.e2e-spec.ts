import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';

import { pingDatabase } from '../src/infrastructure/database/database-ping.js';
import { API } from './support/catalog.js';
import { aVariant, type TestVariant } from './support/catalog-fixtures.js';
import { PausableProxy } from './support/pausable-proxy.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { adminQuery } from './support/test-database.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const PROBLEM = /^application\/problem\+json/;

describe('PostgreSQL connection drop', () => {
  let t: TestApp;
  let customer: TestUser;
  let admin: TestUser;
  let variant: TestVariant;

  beforeAll(async () => {
    t = await startTestApp({ env: { DB_POOL_SIZE: '4' } });
    customer = await aCustomer(t);
    admin = await anAdmin(t);
    variant = await aVariant(t, { stock: 100 });
    // Every pooled connection is open and idle before the cut.
    await Promise.all(
      Array.from({ length: 4 }, () => t.http.get(`${API}/products/${variant.productId}`)),
    );
  });
  afterAll(async () => {
    await adminQuery(`ALTER DATABASE "${t.db.name}" WITH ALLOW_CONNECTIONS true`).catch(
      () => undefined,
    );
    await t?.close();
  });

  /** Reads that miss the catalog cache, writes, auth'd reads: all need the database. */
  const requests = () => [
    t.http.get(`${API}/products?q=${randomBytes(4).toString('hex')}`),
    t.http.get(`${API}/products/${randomBytes(8).toString('hex')}`),
    t.http.post(`${API}/cart`),
    t.http.get(`${API}/cart`).set(customer.auth),
    t.http
      .post(`${API}/cart/items`)
      .set(customer.auth)
      .send({ variantId: variant.id, quantity: 1 }),
    t.http
      .post(`${API}/admin/categories`)
      .set(admin.auth)
      .send({ name: `Outage ${randomBytes(3).toString('hex')}` }),
    t.http
      .post(`${API}/auth/login`)
      .send({ email: `nobody-${randomBytes(3).toString('hex')}@example.test`, password: 'x' }),
  ];

  test('during the outage: 503 problem replies, never 500; afterwards it recovers without restart', async () => {
    const name = t.db.name;
    await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      name,
    ]);
    try {
      // Twice: first on the terminated pooled connections, then on fresh
      // connection attempts that the server refuses.
      for (let round = 0; round < 2; round++) {
        const replies = await Promise.all(requests());
        for (const [i, res] of replies.entries()) {
          const where = `request ${i} of round ${round} → ${res.status} ${JSON.stringify(res.body)}`;
          expect({ where, status: res.status }).toEqual({ where, status: 503 });
          expect(res.headers['content-type']).toMatch(PROBLEM);
          expect(res.headers['retry-after']).toBeDefined();
        }
        const ready = await t.http.get('/health/ready');
        expect(ready.status).toBe(503);
      }
      // The process stays up and answers what needs no database.
      await t.http.get('/health/live').expect(200);
    } finally {
      await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    }

    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await t.http.get('/health/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    const after = await Promise.all(requests());
    expect(after.map((r) => r.status)).toEqual([200, 404, 201, 200, 201, 201, 401]);
  });
});

describe("pingDatabase (the job worker's heartbeat check)", () => {
  test('a connection that stops answering fails the ping in time and is thrown away, so the next ping gets a new one', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    const proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(await proxy.listen());
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      await pingDatabase(pool, 2_000);
      expect(pool.totalCount).toBe(1);

      // Answers stop coming, as over a connection that died silently.
      proxy.hold();
      await expect(pingDatabase(pool, 300)).rejects.toThrow(/did not answer within 300 ms/);
      // Handed back, the connection would be the next ping's too (the pool
      // has one), and it would wait behind the unanswered query.
      expect(pool.totalCount).toBe(0);

      proxy.release();
      await pingDatabase(pool, 2_000);
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
      await proxy.close();
    }
  });

  test('a connection lost during the ping fails the ping, and the process lives on', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    const proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(await proxy.listen());
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    // Unheard, the client's 'error' event would end the process (here: fail the run).
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await pingDatabase(pool, 2_000);
      proxy.hold();
      const held = proxy.nextQueryWhileHeld();
      const ping = pingDatabase(pool, 5_000);
      await held;
      // The database goes away with the query in flight (a restart, a failover).
      await proxy.close();
      await expect(ping).rejects.toThrow(/Connection terminated/);
      expect(uncaught).toEqual([]);
      expect(pool.totalCount).toBe(0);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      await pool.end();
    }
  });
});
