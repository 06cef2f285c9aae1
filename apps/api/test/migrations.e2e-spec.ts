import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { dataSourceOptions } from '../src/infrastructure/database/data-source-options.js';
import { MigrationRunner } from '../src/infrastructure/database/migration-runner.js';
import { migrations } from '../src/infrastructure/database/migrations/index.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** How long two runs may take together; a run waiting on the other for ever fails here. */
const BOTH_DONE_MS = 30_000;

describe('migrations', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  const instance = async (): Promise<MigrationRunner> => {
    const source = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
    sources.push(source);
    return new MigrationRunner(source);
  };

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
    await Promise.all(sources.map((s) => s.destroy()));
    await db.drop();
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
    const [before] = await trigramIndexes();
    // What an interrupted CREATE INDEX CONCURRENTLY leaves: the index, marked invalid.
    await db.rows(
      `UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'users_email_trgm_idx'::regclass`,
    );
    await db.rows(`DELETE FROM migrations WHERE name = 'AccountSearch1765200000000'`);
    const runner = await instance();
    expect(await runner.run()).toEqual(['AccountSearch1765200000000']);
    const [email, name] = await trigramIndexes();
    expect(email).toMatchObject({ name: 'users_email_trgm_idx', valid: true });
    expect(email!.oid).not.toBe(before!.oid);
    expect(name).toMatchObject({ name: 'users_name_trgm_idx', valid: true });
  });
});
