import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

/**
 * Databases a test file is done with, one empty file each, dropped together
 * by the global teardown. PostgreSQL checkpoints on every DROP DATABASE: one
 * at a time, each file waited 0.5-3 s for its own while the others' writes
 * competed with the flush; dropped together, their checkpoints coincide.
 */
const RETIRED_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../test-output/retired-databases',
);

export interface TestDatabase {
  url: string;
  name: string;
  /** Rows of `sql` run on this database, on a connection of its own (outside any app). */
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Done with: cut off and dropped at the end of the run (see RETIRED_DIR). */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (jest globalSetup sets it)');
  return url;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const withAdmin = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> =>
  withClient(adminUrl(), fn);

/** Arbitrary constant: the advisory lock under which the first file makes the template. */
const TEMPLATE_LOCK = 7_305_090;

/**
 * The name of a database with every migration applied and the job queues
 * made, made by the first file that asks for one in this run (see
 * global-setup.js), or undefined when the run names none.
 */
async function migratedTemplate(): Promise<string | undefined> {
  const name = process.env.MINISHOP_TEST_TEMPLATE;
  if (!name) return undefined;
  await withAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
      // Made under another name and renamed once complete: a file that died
      // while making it leaves no half-migrated template behind.
      const making = `${name}0`;
      await c.query(`DROP DATABASE IF EXISTS "${making}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${making}"`);
      const url = new URL(adminUrl());
      url.pathname = `/${making}`;
      const { DataSource } = await import('typeorm');
      const { dataSourceOptions } =
        await import('../../src/infrastructure/database/data-source-options.js');
      const source = new DataSource(dataSourceOptions(url.toString(), 1));
      await source.initialize();
      try {
        await source.runMigrations({ transaction: 'each' });
      } finally {
        await source.destroy();
      }
      await installJobQueues(url.toString(), making);
      await c.query(`ALTER DATABASE "${making}" RENAME TO "${name}"`);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return name;
}

/**
 * pg-boss' schema and the app's queues (a partition of the job table each),
 * as an app that works no jobs makes them at start: copied with the
 * template, they save every test app most of its start. Nothing a working
 * process adds (schedules, the unfinished jobs' index) is made here, so
 * tests of those still start from their absence.
 */
async function installJobQueues(url: string, name: string): Promise<void> {
  // Loaded here: test-app.ts itself asks this module for its databases.
  const { startTestApp } = await import('./test-app.js');
  const app = await startTestApp({
    env: { RUN_WORKER: 'off' },
    database: {
      url,
      name,
      rows: () => Promise.reject(new Error('not used while making the template')),
      drop: () => Promise.resolve(),
    },
  });
  await app.close();
}

/**
 * A database of its own for one test file, so files run in parallel and
 * leave nothing behind. Created on the server of DATABASE_URL. `migrated`:
 * with every migration applied and the job queues made already, as a copy
 * of this run's template (tens of milliseconds, where migrating takes hundreds; test apps
 * start over a hundred times a run). The app's own migration run at start
 * then finds nothing to do; what migrating a fresh database does is tested
 * where an empty one is asked for (the default).
 */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<TestDatabase> {
  const name = `minishop_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? await migratedTemplate() : undefined;
  await withAdmin((c) =>
    c.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`),
  );
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    rows: async <T>(sql: string, params: unknown[] = []) =>
      (await withClient(url.toString(), (c) => c.query(sql, params))).rows as T[],
    drop: async () => {
      // Cut off now, as a drop would, so nothing left running uses it.
      await withAdmin(async (c) => {
        await c.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
          name,
        ]);
      });
      mkdirSync(RETIRED_DIR, { recursive: true });
      writeFileSync(join(RETIRED_DIR, name), '');
    },
  };
}

/** Runs SQL as the server's admin, e.g. to cut a test database's connections. */
export function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return withAdmin((c) => c.query(sql, params));
}
