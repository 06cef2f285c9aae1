import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, test } from '@jest/globals';

import { IMPORT_BATCH_SIZE } from '../src/imports/catalog-import.processor.js';
import { spawnApi } from './support/api-process.js';
import { cli, count, dataDir, env, spawned, sql, useCliDatabase } from './support/cli.js';
import { cliInProcess } from './support/cli-in-process.js';
import { eventually } from './support/processes.js';

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
        'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock',
        ...Array.from(
          { length: rows },
          (_, i) =>
            `cli-large-${tag.toLowerCase()}-${Math.floor(i / 10)},Large ${i},,,CLI-LARGE-${tag}-${i},V${i},100,EUR,1`,
        ),
      ].join('\n'),
    );
    const ofThisFile = `SELECT id, status, processed, failure_reason FROM imports
                         WHERE position($1 IN source) > 0 ORDER BY created_at`;
    type Stored = { id: string; status: string; processed: number; failure_reason: string };
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
});
