import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';

import {
  type LockHolder,
  waitingFor,
  withAdvisoryLock,
} from '../src/infrastructure/database/advisory-lock.js';
import { dataSourceOptions } from '../src/infrastructure/database/data-source-options.js';
import { MigrationRunner } from '../src/infrastructure/database/migration-runner.js';
import { migrations } from '../src/infrastructure/database/migrations/index.js';
import { waitFor } from './support/jobs-probe.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** How long two runs may take together; a run waiting on the other for ever fails here. */
const BOTH_DONE_MS = 30_000;

describe('migrations', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  const aSource = async (): Promise<DataSource> => {
    const source = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
    sources.push(source);
    return source;
  };
  const instance = async (): Promise<MigrationRunner> => new MigrationRunner(await aSource());

  const trigramIndexes = () =>
    db.rows<{ name: string; valid: boolean; oid: number }>(
      `SELECT c.relname AS name, i.indisvalid AS valid, c.oid::int AS oid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname IN ('users_email_trgm_idx', 'users_name_trgm_idx')
        ORDER BY c.relname`,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    // Dropped first: it cuts off any session a failed test left waiting.
    await db.drop();
    await Promise.allSettled(sources.map((s) => s.destroy()));
  });

  // An index built CONCURRENTLY waits for every transaction of the database
  // older than it, a run queued behind the lock included: that run must not
  // hold one while it waits, or the two wait for each other for ever.
  test(
    'two instances migrating one empty database at once both finish, each migration applied once',
    async () => {
      const [a, b] = await Promise.all([instance(), instance()]);
      const [first, second] = await Promise.all([a.run(), b.run()]);
      expect([...first, ...second].sort()).toEqual(migrations.map((m) => m.name).sort());
      expect(Math.min(first.length, second.length)).toBe(0);
      const [row] = await db.rows<{ n: number }>('SELECT count(*)::int AS n FROM migrations');
      expect(row!.n).toBe(migrations.length);
      expect((await trigramIndexes()).map((i) => i.valid)).toEqual([true, true]);
    },
    BOTH_DONE_MS,
  );

  test('a trigram index whose build was cut off is built again when the migration runs again', async () => {
    const [emailBefore, nameBefore] = await trigramIndexes();
    // What an interrupted CREATE INDEX CONCURRENTLY leaves: the index, marked invalid.
    await db.rows(
      `UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'users_email_trgm_idx'::regclass`,
    );
    await db.rows(`DELETE FROM migrations WHERE name = 'AccountSearch1765200000000'`);
    const runner = await instance();
    expect(await runner.run()).toEqual(['AccountSearch1765200000000']);
    const [email, name] = await trigramIndexes();
    expect(email).toMatchObject({ name: 'users_email_trgm_idx', valid: true });
    expect(email!.oid).not.toBe(emailBefore!.oid);
    // The valid one is kept as it was.
    expect(name).toMatchObject({ name: 'users_name_trgm_idx', valid: true, oid: nameBefore!.oid });
  });

  test('a process queued for an advisory lock does not hold up an index built concurrently meanwhile', async () => {
    const key = 7_399_001;
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [key]);
      let waited = false;
      let heldWhileWorking = -1;
      const queued = withAdvisoryLock(
        await aSource(),
        key,
        async () => {
          const [held] = await db.rows<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
            [key],
          );
          heldWhileWorking = held!.n;
        },
        { onWait: () => (waited = true) },
      );
      try {
        await waitFor(async () => (waited ? true : undefined), 'the lock to be found taken');
        // Waited for in pg_advisory_lock() instead, this build would wait for the queued
        // statement's snapshot, and the statement for the lock: for ever.
        const build = new pg.Client({ connectionString: db.url });
        await build.connect();
        try {
          await build.query("SET statement_timeout = '10s'");
          await build.query('CREATE INDEX CONCURRENTLY migrations_probe_idx ON migrations (name)');
        } finally {
          await build.end();
        }
        await holder.query('SELECT pg_advisory_unlock($1)', [key]);
        await queued;
        expect(heldWhileWorking).toBe(1);
      } finally {
        await queued.catch(() => undefined);
      }
    } finally {
      await holder.end();
    }
  });
  test('a process queued for an advisory lock says, again and again, which session holds it', async () => {
    const key = 7_399_002;
    const holder = new pg.Client({ connectionString: db.url, application_name: 'lock-holder' });
    await holder.connect();
    try {
      const { pid } = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows[0]!;
      await holder.query('SELECT pg_advisory_lock($1)', [key]);
      const reports: { holder: LockHolder | undefined; waitedMs: number }[] = [];
      const queued = withAdvisoryLock(await aSource(), key, async () => reports.length, {
        onWait: (h, waitedMs) => reports.push({ holder: h, waitedMs }),
        reportEveryMs: 1,
      });
      try {
        await waitFor(async () => (reports.length >= 2 ? true : undefined), 'two reports');
        await holder.query('SELECT pg_advisory_unlock($1)', [key]);
        const reportsWhenTaken = await queued;
        expect(reports[0]).toMatchObject({
          holder: { pid, applicationName: 'lock-holder', state: 'idle' },
          waitedMs: 0,
        });
        expect(reports[1]!.holder?.pid).toBe(pid);
        expect(reports[1]!.waitedMs).toBeGreaterThan(0);
        // Not one more once the lock is taken.
        expect(reports.length).toBe(reportsWhenTaken);
        expect(waitingFor('migrating', reports[0]!.holder, 0)).toBe(
          `another instance is migrating; waiting for it: the lock is held by PostgreSQL session pid ${pid}, application "lock-holder", from 127.0.0.1, idle for ${reports[0]!.holder!.busySeconds} s`,
        );
      } finally {
        await queued.catch(() => undefined);
      }
    } finally {
      await holder.end();
    }
  });
});
