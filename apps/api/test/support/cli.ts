import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll } from '@jest/globals';
import { hash } from '@node-rs/argon2';

import { type ApiProcess, reap, spawnApi } from './api-process.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * `npm run cli -- <command>` is `node dist/cli.js <command>`: the CLI tests
 * run the built file in a child process, as a user does, and judge it by its
 * exit code, what it prints and what it leaves in the database. They are
 * split over several files so that jest runs them side by side.
 */

export interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** The file's database and data directory (live bindings, set in its beforeAll). */
export let db: TestDatabase;
export let dataDir: string;
/** CLI processes still running, killed when the file ends. */
export const spawned = new Set<ApiProcess>();

/** A database and data directory of the calling test file's own, removed after it. */
export function useCliDatabase(): void {
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'minishop-cli-'));
  });
  afterAll(async () => {
    for (const p of spawned) reap(p);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
}

/**
 * `extra` may name another database and data directory (a test app's, for a
 * command that works on what the app made): the file's own are then not
 * needed, nor made.
 */
export function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: extra.DATABASE_URL ?? db.url,
    DATA_DIR: extra.DATA_DIR ?? dataDir,
    // The CLI's own default; spawnApi's is `info`, for servers.
    LOG_LEVEL: 'warn',
    // A command has no reply to keep fast: the API's half-second bound on a
    // Redis command would only print a timeout warning on a loaded machine,
    // to the stderr these tests expect empty.
    REDIS_COMMAND_TIMEOUT_MS: '5000',
    JWT_SECRET: 'cli-test-secret-0123456789abcdef0123456789',
    STRIPE_WEBHOOK_SECRET: 'whsec_cli_test',
    ...extra,
  };
}

/** `input`, when given, is piped to the command's standard input. */
export async function cli(
  args: string[],
  extra: Record<string, string> = {},
  input?: string,
): Promise<CliRun> {
  const proc = await spawnApi('cli.js', env(extra), args, input);
  spawned.add(proc);
  const code = await proc.closed;
  spawned.delete(proc);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

export const sql = <T>(text: string, params: unknown[] = []): Promise<T[]> =>
  db.rows<T>(text, params);

export const count = async (text: string, params: unknown[] = []) =>
  Number((await sql<{ n: string }>(text, params))[0]?.n);

export const anEmail = () => `cli-${randomBytes(5).toString('hex')}@example.test`;

/**
 * A customer account written straight to the database, for a test about
 * another command: each `user:create` is a whole CLI start, and how that
 * command makes accounts is its own tests' subject.
 */
export async function anAccount(email: string, password: string): Promise<{ id: string }> {
  const [user] = await sql<{ id: string }>(
    'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id',
    [email, email.split('@')[0], await hash(password)],
  );
  return user!;
}
