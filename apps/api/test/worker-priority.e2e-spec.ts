import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { type ApiProcess, freePort, reap, sleep, spawnApi } from './support/api-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** The nice value of every thread of a process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // After the parenthesised command name: state is field 3, nice field 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

async function workerReady(worker: ApiProcess): Promise<void> {
  for (let i = 0; i < 1200 && !worker.stdout().includes('Worker ready'); i++) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    await sleep(50);
  }
  if (!worker.stdout().includes('Worker ready'))
    throw new Error(`worker not ready:\n${worker.output()}`);
}

// What the worker starts with: this test process's own (a CI may run it niced).
const inherited = getPriority();

describe('job worker priority (WORKER_NICE)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  const niceOf = async (env: Record<string, string>): Promise<number[]> => {
    const worker = await spawnApi('worker.js', { DATABASE_URL: db.url, ...env });
    try {
      await workerReady(worker);
      return threadNiceness(worker.child.pid!);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      reap(worker);
    }
  };

  test('every thread of the worker runs at the configured niceness', async () => {
    const threads = await niceOf({ WORKER_NICE: String(Math.max(7, inherited + 1)) });
    // V8's and libuv's threads exist before the setting is applied: all count.
    expect(threads.length).toBeGreaterThan(1);
    expect(new Set(threads)).toEqual(new Set([Math.max(7, inherited + 1)]));
  }, 120_000);

  test('an embedded PostgreSQL the worker starts keeps the priority the worker was started with', async () => {
    // The API may join it later: its queries must not run at the worker's priority.
    const dataDir = mkdtempSync(join(tmpdir(), 'minishop-worker-nice-'));
    // Run as root, PostgreSQL runs as its own user, which must reach DATA_DIR/pg.
    chmodSync(dataDir, 0o755);
    const worker = await spawnApi('worker.js', {
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      WORKER_NICE: String(Math.max(7, inherited + 1)),
    });
    try {
      await workerReady(worker);
      const postmaster = Number(
        readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      expect(new Set(threadNiceness(worker.child.pid!))).toEqual(
        new Set([Math.max(7, inherited + 1)]),
      );
      expect(threadNiceness(postmaster)).toEqual([inherited]);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      reap(worker);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('the default lowers it to 10; 0 leaves it as started', async () => {
    expect(new Set(await niceOf({}))).toEqual(new Set([Math.max(10, inherited)]));
    expect(new Set(await niceOf({ WORKER_NICE: '0' }))).toEqual(new Set([inherited]));
  }, 120_000);
});
