import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';

import { IMPORT_BATCH_SIZE } from '../src/imports/catalog-import.processor.js';
import { spawnApi } from './support/api-process.js';
import { cli, count, dataDir, db, env, spawned, sql, useCliDatabase } from './support/cli.js';
import { cliInProcess } from './support/cli-in-process.js';
import { eventually } from './support/processes.js';

const HEADER =
  'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock';

type Stored = { id: string; status: string; processed: number; failure_reason: string | null };

/**
 * A file of two batches whose second batch's first product is row-locked
 * by a transaction of the test's own (as an admin's edit would hold it):
 * once the command has committed the first batch, its second waits for the
 * lock for as long as the test keeps it, far past the command's deadline.
 */
async function importHeldUp(tag: string) {
  const rows = 2 * IMPORT_BATCH_SIZE;
  const slug = (i: number) => `cli-held-${tag.toLowerCase()}-${Math.floor(i / 10)}`;
  const file = join(dataDir, `import-held-${tag}.csv`);
  writeFileSync(
    file,
    [
      HEADER,
      ...Array.from(
        { length: rows },
        (_, i) => `${slug(i)},Held ${i},,,CLI-HELD-${tag}-${i},V${i},100,EUR,1`,
      ),
    ].join('\n'),
  );
  await sql(`INSERT INTO products (slug, name) VALUES ($1, 'Held')`, [slug(IMPORT_BATCH_SIZE)]);
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM products WHERE slug = $1 FOR UPDATE', [
    slug(IMPORT_BATCH_SIZE),
  ]);
  const stored = async () =>
    (
      await sql<Stored>(
        `SELECT id, status, processed, failure_reason FROM imports
          WHERE position($1 IN source) > 0 ORDER BY created_at`,
        [`CLI-HELD-${tag}-0,`],
      )
    )[0];

  const proc = await spawnApi('cli.js', env(), ['catalog:import', file]);
  spawned.add(proc);
  const waiting = async () =>
    (await stored())?.processed === IMPORT_BATCH_SIZE &&
    (await count(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )) > 0;
  expect(await eventually(waiting, 1200)).toBe(true);
  return {
    file,
    rows,
    proc,
    stored,
    release: async () => {
      await holder.query('ROLLBACK');
      await holder.end();
    },
  };
}

useCliDatabase();

// The test polls the imports table from the moment the command starts.
beforeAll(async () => {
  expect((await cliInProcess(['db:migrate'])).code).toBe(0);
}, 60_000);

/**
 * A stop signal during `catalog:import`, on a child process: the import it
 * recorded is worked in that process alone, so no job would ever end it.
 * A file of its own, with a database of its own: the catalog it leaves
 * would upset tests that count products.
 */
describe('npm run cli -- catalog:import', () => {
  test('SIGINT once it has made progress → the import is failed as interrupted, not left running, and it dies of the signal; a second run imports the file', async () => {
    const tag = randomBytes(4).toString('hex').toUpperCase();
    const rows = 20_000;
    const file = join(dataDir, `import-large-${tag}.csv`);
    writeFileSync(
      file,
      [
        HEADER,
        ...Array.from(
          { length: rows },
          (_, i) =>
            `cli-large-${tag.toLowerCase()}-${Math.floor(i / 10)},Large ${i},,,CLI-LARGE-${tag}-${i},V${i},100,EUR,1`,
        ),
      ].join('\n'),
    );
    const ofThisFile = `SELECT id, status, processed, failure_reason FROM imports
                         WHERE position($1 IN source) > 0 ORDER BY created_at`;
    const stored = () => sql<Stored>(ofThisFile, [`CLI-LARGE-${tag}-0,`]);

    const proc = await spawnApi('cli.js', env(), ['catalog:import', file]);
    spawned.add(proc);
    // Signalled with batches committed and more to come.
    expect(await eventually(async () => ((await stored())[0]?.processed ?? 0) > 0, 1200)).toBe(
      true,
    );
    proc.child.kill('SIGINT');
    expect(await proc.closed).toBe('SIGINT');
    spawned.delete(proc);

    const [interrupted] = await stored();
    expect(interrupted).toMatchObject({
      status: 'failed',
      failure_reason: expect.stringMatching(/interrupted.*run catalog:import again/),
    });
    // Whole batches only, and not the whole file.
    expect(interrupted!.processed % IMPORT_BATCH_SIZE).toBe(0);
    expect(interrupted!.processed).toBeLessThan(rows);
    expect(proc.stderr()).toContain('SIGINT: command interrupted');
    expect(proc.stdout()).toContain(
      `Import ${interrupted!.id}: failed (The import was interrupted`,
    );

    const again = await cli(['catalog:import', file]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toContain(`Rows: ${rows} read, ${rows} imported, 0 refused`);
    expect(
      await count(`SELECT count(*) AS n FROM variants WHERE sku LIKE $1`, [`CLI-LARGE-${tag}-%`]),
    ).toBe(rows);
  }, 300_000);

  test('SIGINT while a batch waits on a row lock past the deadline → the batch is cancelled, the import failed as interrupted with the batches before it; a second run imports the file', async () => {
    const tag = randomBytes(4).toString('hex').toUpperCase();
    const held = await importHeldUp(tag);
    try {
      held.proc.child.kill('SIGINT');
      expect(await held.proc.closed).toBe('SIGINT');
      spawned.delete(held.proc);
      // Judged with the lock still held: the outcome does not wait for it.
      const interrupted = await held.stored();
      expect(interrupted).toMatchObject({
        status: 'failed',
        processed: IMPORT_BATCH_SIZE,
        failure_reason: expect.stringMatching(/interrupted.*run catalog:import again/),
      });
      expect(held.proc.stdout()).toContain(
        `Import ${interrupted!.id}: failed (The import was interrupted`,
      );
      expect(held.proc.stderr()).not.toMatch(/could not be marked/);
      // The cancelled batch wrote nothing.
      expect(
        await count(`SELECT count(*) AS n FROM variants WHERE sku LIKE $1`, [`CLI-HELD-${tag}-%`]),
      ).toBe(IMPORT_BATCH_SIZE);
    } finally {
      await held.release();
    }

    const again = await cli(['catalog:import', held.file]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toContain(`Rows: ${held.rows} read, ${held.rows} imported, 0 refused`);
    expect(
      await count(`SELECT count(*) AS n FROM variants WHERE sku LIKE $1`, [`CLI-HELD-${tag}-%`]),
    ).toBe(held.rows);
  }, 120_000);

  test("SIGINT, and the import cannot be marked failed → said once on stderr with the database's reason, not reported as interrupted", async () => {
    const tag = randomBytes(4).toString('hex').toUpperCase();
    const fn = `cli_unmarkable_${tag.toLowerCase()}`;
    // Refuses to fail this file's import only, as a lost connection would.
    await sql(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'refused for the test'; END $$`,
    );
    await sql(
      `CREATE TRIGGER ${fn} BEFORE UPDATE ON imports FOR EACH ROW
       WHEN (NEW.status = 'failed' AND position('CLI-HELD-${tag}-0,' IN NEW.source) > 0)
       EXECUTE FUNCTION ${fn}()`,
    );
    try {
      const held = await importHeldUp(tag);
      try {
        held.proc.child.kill('SIGINT');
        expect(await held.proc.closed).toBe('SIGINT');
        spawned.delete(held.proc);
      } finally {
        await held.release();
      }
      const stored = await held.stored();
      expect(stored).toMatchObject({ status: 'running', processed: IMPORT_BATCH_SIZE });
      const said = held.proc.stderr().match(/could not be marked failed: refused for the test/g);
      expect(said).toHaveLength(1);
      expect(held.proc.stderr()).toContain(`Import ${stored!.id} was interrupted`);
      expect(held.proc.stdout()).not.toContain(`Import ${stored!.id}: `);
    } finally {
      await sql(`DROP TRIGGER ${fn} ON imports`);
      await sql(`DROP FUNCTION ${fn}()`);
    }
  }, 120_000);
});
