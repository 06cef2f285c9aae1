import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

const API_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../api');
const MAIN = join(API_DIR, 'dist', 'main.js');

export interface ApiServer {
  baseUrl: string;
  emulatorUrl: string;
  /** Everything the process wrote so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Where the API keeps its data: a new database on DATABASE_URL's server, else its own embedded one. */
async function freshDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `minishop_demo_${randomBytes(6).toString('hex')}`;
    await adminQuery(adminUrl, `CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'minishop-demo-'));
  // As root the embedded server runs as the postgres user, which must reach the directory.
  chmodSync(dataDir, 0o755);
  return {
    env: { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) },
    drop: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * Runs the built API (what `npm start` runs) as a child process on a fresh
 * database, with its local Stripe emulator on a known port. Outside
 * production the API seeds the demo catalog into an empty database.
 */
export async function startApiServer(): Promise<ApiServer> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the API first (npm run build)`);
  const database = await freshDatabase();
  const port = await freePort();
  const emulatorPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  // jest's --experimental-vm-modules is for the test runner, not the server.
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', MAIN], {
    cwd: API_DIR,
    env: {
      ...env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      STRIPE_EMULATOR_PORT: String(emulatorPort),
      ...database.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // Graceful shutdown also stops an embedded PostgreSQL; only a hang gets SIGKILL.
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 30_000))),
      ]);
      clearTimeout(timer);
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await database.drop();
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    // Ready once migrated and seeded: main.ts seeds before it listens.
    // Bounded by attempts so a hang fails with the server's output, not a bare timeout.
    for (let ready = false, attempt = 0; !ready; attempt++) {
      if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${out}`);
      if (attempt >= 1_500) throw new Error(`API never became ready:\n${out}`);
      ready = await fetch(`${baseUrl}/health/ready`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (!ready) await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, emulatorUrl: `http://127.0.0.1:${emulatorPort}`, output: () => out, stop };
}
