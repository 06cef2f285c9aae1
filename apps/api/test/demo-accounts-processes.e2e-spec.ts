import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { API_DIR, type ApiProcess, reap, spawnApi, waitReady } from './support/api-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * The demo accounts' credentials file as processes meet it: several
 * seeding at once, and the API seeding an empty database on start.
 * (The seed's accounts themselves: demo-accounts.e2e-spec.ts.)
 */

const ADMIN = 'admin@minishop.test';

const aDataDir = () => mkdtempSync(join(tmpdir(), 'minishop-demo-'));
const credentialsFile = (dataDir: string) => join(dataDir, 'demo-accounts.txt');

describe('DATA_DIR/demo-accounts.txt written by processes at once', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = aDataDir();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /**
   * One process: once loaded it says so, and when its standard input ends
   * it records `count` accounts of its own, all at once.
   */
  const writer = (name: string, count: number) => {
    const script = `
      import { writeDemoCredentials } from ${JSON.stringify(join(API_DIR, 'dist/catalog/seed/demo-credentials.js'))};
      const [dir, name, count] = process.argv.slice(1);
      process.stdout.write('ready');
      process.stdin.resume();
      await new Promise((r) => process.stdin.once('end', r));
      await Promise.all(Array.from({ length: Number(count) }, (_, i) =>
        writeDemoCredentials(dir, [{ role: 'customer', email: name + '-' + i + '@minishop.test', password: 'pw-' + name + '-' + i }])));
    `;
    let child!: ChildProcess;
    const done = new Promise<void>((resolve, reject) => {
      child = execFile(
        process.execPath,
        ['--input-type=module', '-e', script, dataDir, name, String(count)],
        (error, _stdout, stderr) =>
          error ? reject(new Error(stderr || error.message)) : resolve(),
      );
    });
    const loaded = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    return { child, loaded: Promise.race([loaded, done]), done };
  };

  test('four seeding processes each adding 10 accounts → all 40 lines, the file 0600, nothing left beside it', async () => {
    const names = ['w0', 'w1', 'w2', 'w3'];
    const writers = names.map((name) => writer(name, 10));
    try {
      // All four loaded before any of them writes: their writes meet.
      await Promise.all(writers.map((w) => w.loaded));
    } catch (error) {
      for (const w of writers) w.child.kill();
      throw error;
    }
    for (const w of writers) w.child.stdin!.end();
    await Promise.all(writers.map((w) => w.done));

    const file = credentialsFile(dataDir);
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    const expected = names.flatMap((name) =>
      Array.from({ length: 10 }, (_, i) => `customer ${name}-${i}@minishop.test pw-${name}-${i}`),
    );
    expect(lines.sort()).toEqual(expected.sort());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(['demo-accounts.txt']);
  }, 60_000);
});

describe('npm start on an empty database', () => {
  let db: TestDatabase;
  let api: ApiProcess | undefined;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = aDataDir();
  });
  afterEach(() => reap(api));
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('logs the demo admin password once, as the file has it; a restart logs none', async () => {
    const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, NODE_ENV: 'development' };
    api = await spawnApi('main.js', env);
    await waitReady(api);
    const logged = /Demo admin: admin@minishop\.test \/ (\S+) /.exec(api.stdout())?.[1];
    expect(logged).toBeDefined();
    expect(readFileSync(credentialsFile(dataDir), 'utf8')).toContain(`admin ${ADMIN} ${logged}\n`);
    const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN, password: logged }),
    });
    expect(res.status).toBe(200);
    api.child.kill('SIGTERM');
    expect(await api.closed).toBe(0);

    api = await spawnApi('main.js', env);
    await waitReady(api);
    expect(api.stdout()).not.toMatch(/Demo admin/);
    api.child.kill('SIGTERM');
    expect(await api.closed).toBe(0);
  }, 120_000);
});
