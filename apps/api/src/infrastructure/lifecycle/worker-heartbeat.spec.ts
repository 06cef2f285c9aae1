import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';

import { WorkerHeartbeat } from './worker-heartbeat.js';

const mtimeOf = (file: string) =>
  stat(file).then(
    (s) => s.mtimeMs,
    () => undefined,
  );

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('WorkerHeartbeat', () => {
  let dir: string;
  let file: string;
  const logged: string[] = [];
  const logger = {
    log: (message: unknown) => void logged.push(`log ${String(message)}`),
    warn: (message: unknown) => void logged.push(`warn ${String(message)}`),
    error: (message: unknown) => void logged.push(`error ${String(message)}`),
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'minishop-heartbeat-'));
    file = join(dir, 'worker.alive');
    logged.length = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('touched while the database answers, left to age while it does not (said once), removed on stop', async () => {
    let answering = true;
    const heartbeat = new WorkerHeartbeat(
      file,
      async () => {
        if (!answering) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
      logger,
      20,
    );
    heartbeat.start();
    try {
      await until(async () => (await mtimeOf(file)) !== undefined, 'the first beat');
      const first = await mtimeOf(file);
      await until(async () => (await mtimeOf(file))! > first!, 'a later beat');

      answering = false;
      // Beats never overlap: once one has failed, none is still writing.
      await until(
        async () => logged.some((l) => l.startsWith('warn')),
        'a beat to find the database gone',
      );
      const stale = await mtimeOf(file);
      await sleep(100);
      expect(await mtimeOf(file)).toBe(stale);
      expect(logged.filter((l) => l.startsWith('warn'))).toEqual([
        `warn Heartbeat ${file} not touched: connect ECONNREFUSED 127.0.0.1:5432`,
      ]);

      answering = true;
      // Said once the file is written: waited for, not raced.
      await until(
        async () => logged.includes(`log Heartbeat ${file} touched again`),
        'the beat after the outage',
      );
      expect(await mtimeOf(file)).toBeGreaterThan(stale!);
    } finally {
      heartbeat.stop();
    }
    expect(await mtimeOf(file)).toBeUndefined();
  });

  test('a file an earlier worker left is removed at start; stopped mid-beat, the file does not come back', async () => {
    await writeFile(file, 'left by a worker killed outright\n');
    let release!: () => void;
    const heartbeat = new WorkerHeartbeat(
      file,
      () => new Promise<void>((resolve) => (release = resolve)),
      logger,
      10,
    );
    heartbeat.start();
    expect(await mtimeOf(file)).toBeUndefined();
    heartbeat.stop();
    release();
    await sleep(50);
    expect(await mtimeOf(file)).toBeUndefined();
    expect(logged).toEqual([]);
  });

  test('a check that hangs is not doubled by the next tick', async () => {
    let calls = 0;
    let release!: () => void;
    const heartbeat = new WorkerHeartbeat(
      file,
      () => {
        calls++;
        return new Promise<void>((resolve) => (release = resolve));
      },
      logger,
      10,
    );
    heartbeat.start();
    await sleep(80);
    expect(calls).toBe(1);
    release();
    heartbeat.stop();
    expect(await mtimeOf(file)).toBeUndefined();
  });
});
