import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';

import {
  accepts,
  type ApiProcess,
  freePort,
  reap,
  spawnApi,
  waitReady,
} from './support/api-process.js';
import { PausableProxy } from './support/pausable-proxy.js';
import { alive, eventually, processesMentioning } from './support/processes.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('process lifecycle (built app)', () => {
  const spawned: ApiProcess[] = [];
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    spawned.forEach(reap);
    await Promise.all(databases.map((d) => d.drop()));
  });

  test('SIGTERM: the in-flight request completes, new connections are refused, exit 0', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const url = new URL(db.url);
    const proxy = new PausableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(await proxy.listen());
    try {
      const api = await spawnApi('main.js', {
        DATABASE_URL: url.toString(),
        SHUTDOWN_GRACE_MS: '20000',
      });
      spawned.push(api);
      await waitReady(api);
      // No TRUST_PROXY outside production: said at start, as anyone may
      // then choose the address the per-IP limits count.
      expect(api.output()).toMatch(/TRUST_PROXY is not set: X-Forwarded-For is believed/);
      // Past the second for which probes reuse waitReady's database check.
      await sleep(1200);

      // Hold the database's answers: the readiness ping is now in flight.
      proxy.hold();
      const queried = proxy.nextQueryWhileHeld();
      const inFlight = fetch(`http://127.0.0.1:${api.port}/health/ready`).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { detail?: string; checks?: { database?: { status?: string } } },
      }));
      await queried;

      api.child.kill('SIGTERM');
      expect(await eventually(async () => !(await accepts(api.port)))).toBe(true);
      expect(api.child.exitCode).toBeNull();

      proxy.release();
      const reply = await inFlight;
      // A whole reply, not a cut connection. Readiness answers 503 once the
      // stop signal has come (so balancers stop sending traffic), after the
      // database check it was waiting on has run.
      expect(reply.status).toBe(503);
      expect(reply.body.detail).toMatch(/^Not ready: /);
      expect(reply.body.checks?.database?.status).toEqual(expect.stringMatching(/^(up|down)$/));
      expect(await api.exited).toBe(0);
      expect(api.output()).toContain('SIGTERM: finishing in-flight requests');
    } finally {
      await proxy.close();
    }
  }, 120_000);

  test('embedded PostgreSQL: starts with the API, stops with it on SIGINT, data survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'minishop-lifecycle-'));
    // Run as root, PostgreSQL runs as its own user, which must reach DATA_DIR/pg.
    chmodSync(dataDir, 0o755);
    const pgPort = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) };
    const dbUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/minishop`;
    try {
      const coldStart = performance.now();
      const first = await spawnApi('main.js', env);
      spawned.push(first);
      await waitReady(first);
      const cold = Math.round(performance.now() - coldStart);
      expect(processesMentioning(dataDir).length).toBeGreaterThan(0);

      const client = new pg.Client(dbUrl);
      await client.connect();
      await client.query('CREATE TABLE lifecycle_marker (note text)');
      await client.query("INSERT INTO lifecycle_marker VALUES ('kept')");
      await client.end();

      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      expect(await accepts(pgPort)).toBe(false);
      expect(await eventually(() => processesMentioning(dataDir).length === 0)).toBe(true);

      const warmStart = performance.now();
      const second = await spawnApi('main.js', env);
      spawned.push(second);
      await waitReady(second);
      const warm = Math.round(performance.now() - warmStart);
      const again = new pg.Client(dbUrl);
      await again.connect();
      const { rows } = await again.query<{ note: string }>('SELECT note FROM lifecycle_marker');
      await again.end();
      expect(rows).toEqual([{ note: 'kept' }]);

      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      expect(await eventually(() => processesMentioning(dataDir).length === 0)).toBe(true);
      console.log(`embedded PostgreSQL start-to-ready: cold ${cold} ms (initdb), warm ${warm} ms`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  test(
    'start:prod (cluster): a killed worker is replaced while the others keep serving',
    async () => {
      const db = await createTestDatabase();
      databases.push(db);
      const api = await spawnApi('cluster.js', { DATABASE_URL: db.url, WEB_CONCURRENCY: '2' });
      spawned.push(api);
      const lines = (): { pid: number; worker?: number; msg?: string }[] =>
        api
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { pid: number; worker?: number; msg?: string });
      const workers = (): number[] =>
        lines()
          .filter((l) => l.msg === 'worker started')
          .map((l) => l.worker!);
      // A worker serves once it has logged its API URL (after listen).
      const serving = (pid: number): boolean =>
        lines().some((l) => l.pid === pid && l.msg?.startsWith('API ') === true);

      expect(await eventually(() => workers().length === 2 && workers().every(serving), 6000)).toBe(
        true,
      );
      const [victim, survivor] = workers() as [number, number];

      process.kill(victim, 'SIGKILL');
      // Until the primary has seen the death, Node's round-robin may still
      // hand it a new connection (lost with it); from then on every
      // connection goes to a live worker.
      expect(
        await eventually(() => lines().some((l) => l.msg === 'worker died: starting another')),
      ).toBe(true);
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`http://127.0.0.1:${api.port}/health/live`, {
          signal: AbortSignal.timeout(30_000),
        });
        expect(res.status).toBe(200);
      }
      expect(await eventually(() => workers().length === 3, 600)).toBe(true);
      const replacement = workers()[2]!;
      expect([victim, survivor]).not.toContain(replacement);
      expect(alive(victim)).toBe(false);
      expect(await eventually(() => serving(replacement), 6000)).toBe(true);

      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
      expect(alive(survivor)).toBe(false);
      expect(alive(replacement)).toBe(false);
    },
    // Three app boots; slow on a loaded machine.
    600_000,
  );
});
