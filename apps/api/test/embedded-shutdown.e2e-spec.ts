import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { type ApiProcess, freePort, reap, spawnApi, waitReady } from './support/api-process.js';
import { alive, eventually, processesMentioning } from './support/processes.js';

interface LogLine {
  pid: number;
  worker?: number;
  msg?: string;
}

function logLines(api: ApiProcess): LogLine[] {
  return api
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** Worker pids the cluster primary has announced. */
function workerPids(api: ApiProcess): number[] {
  return logLines(api)
    .filter((l) => l.msg === 'worker started')
    .map((l) => l.worker!);
}

/** A worker serves once it has logged its API URL (after listen). */
function serving(api: ApiProcess, pid: number): boolean {
  return logLines(api).some((l) => l.pid === pid && l.msg?.startsWith('API ') === true);
}

/**
 * How many 50 ms polls a start may take. The cases share one data directory,
 * so the first one's start also runs initdb, migrates and seeds, with two
 * workers at once; next to other suites' processes on a loaded 2-core host
 * that has been seen to outlast the helpers' default minute.
 */
const START_POLLS = 4_000;

/** Its exit code, with what it logged when the code is not the one expected. */
async function expectExit(process: ApiProcess, code: number): Promise<void> {
  const exited = await process.exited;
  const log = exited === code ? '' : `${process.stdout()}\n${process.stderr()}`;
  expect({ exited, log }).toEqual({ exited: code, log: '' });
}

/** A process stopped gracefully when it logged `stopped` (graceful-shutdown.ts). */
function stoppedGracefully(api: ApiProcess, pid: number): boolean {
  return logLines(api).some((l) => l.pid === pid && l.msg === 'stopped');
}

/**
 * No DATABASE_URL: the API, the job worker and the command line start
 * PostgreSQL themselves (the cluster primary for its workers under
 * start:prod). However a stop signal or a failure meets them, starting or
 * serving, they must stop what they started and leave nothing behind.
 */
describe('stopping with the embedded PostgreSQL (built app, no DATABASE_URL)', () => {
  const spawned: ApiProcess[] = [];
  let dataDir: string;
  let env: Record<string, string>;
  const pidFile = (): string => join(dataDir, 'pg', 'postmaster.pid');

  /** The postmaster's pid while it runs (first line of postmaster.pid). */
  const postmaster = (): number | undefined => {
    try {
      const pid = Number(readFileSync(pidFile(), 'utf8').split('\n')[0]);
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };

  /** Waits for the postmaster to be up and returns its pid. */
  const postmasterUp = async (): Promise<number> => {
    expect(await eventually(() => postmaster() !== undefined, START_POLLS)).toBe(true);
    return postmaster()!;
  };

  const expectNothingLeft = (pids: number[]): void => {
    for (const pid of pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
    expect(existsSync(pidFile())).toBe(false);
    expect(processesMentioning(dataDir)).toEqual([]);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'minishop-embedded-stop-'));
    // Run as root, PostgreSQL runs as its own user, which must reach DATA_DIR/pg.
    chmodSync(dataDir, 0o755);
    // One data directory for every case: initdb runs once.
    env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  });

  // A failed case must not leave its processes to the next: they share the
  // data directory, and a PostgreSQL left running there fails every later
  // case, hiding the first failure's cause among theirs. Nothing to do after
  // a case that passed (it checked that nothing was left).
  afterEach(async () => {
    const left = spawned.splice(0);
    left.forEach(reap);
    await Promise.all(left.map((p) => p.exited));
    const pid = postmaster();
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGQUIT');
      await eventually(() => !alive(pid), START_POLLS);
    }
  }, 300_000);

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('start:prod, SIGTERM once the workers serve → they stop, then PostgreSQL, exit 0', async () => {
    const api = await spawnApi('cluster.js', { ...env, WEB_CONCURRENCY: '2' });
    spawned.push(api);
    await waitReady(api, START_POLLS);
    expect(
      await eventually(
        () => workerPids(api).length === 2 && workerPids(api).every((w) => serving(api, w)),
        START_POLLS,
      ),
    ).toBe(true);
    const pids = [...workerPids(api), await postmasterUp()];

    api.child.kill('SIGTERM');

    await expectExit(api, 0);
    for (const worker of workerPids(api)) expect(stoppedGracefully(api, worker)).toBe(true);
    expectNothingLeft(pids);
  }, 300_000);

  test('start:prod, SIGINT while the workers are still starting → they stop, then PostgreSQL, exit 0', async () => {
    const api = await spawnApi('cluster.js', { ...env, WEB_CONCURRENCY: '2' });
    spawned.push(api);
    // Forked, not yet serving: a worker takes seconds to load and start.
    expect(await eventually(() => workerPids(api).length === 2, START_POLLS)).toBe(true);
    const pids = [...workerPids(api), await postmasterUp()];

    api.child.kill('SIGINT');

    await expectExit(api, 0);
    for (const worker of workerPids(api)) expect(stoppedGracefully(api, worker)).toBe(true);
    expectNothingLeft(pids);
  }, 300_000);

  test('start:prod, SIGTERM as soon as PostgreSQL is up → no worker outlives it, exit 0', async () => {
    const api = await spawnApi('cluster.js', { ...env, WEB_CONCURRENCY: '2' });
    spawned.push(api);
    const server = await postmasterUp();

    api.child.kill('SIGTERM');

    await expectExit(api, 0);
    expectNothingLeft([...workerPids(api), server]);
  }, 300_000);

  test('npm start, SIGTERM while starting → PostgreSQL stopped, exit 0', async () => {
    const api = await spawnApi('main.js', env);
    spawned.push(api);
    const server = await postmasterUp();

    api.child.kill('SIGTERM');

    await expectExit(api, 0);
    expect(stoppedGracefully(api, api.child.pid!)).toBe(true);
    expectNothingLeft([server]);
  }, 300_000);

  test('npm run worker, SIGINT while starting → PostgreSQL stopped, exit 0', async () => {
    const worker = await spawnApi('worker.js', env);
    spawned.push(worker);
    const server = await postmasterUp();

    worker.child.kill('SIGINT');

    await expectExit(worker, 0);
    expect(stoppedGracefully(worker, worker.child.pid!)).toBe(true);
    expectNothingLeft([server]);
  }, 300_000);

  test('npm run cli, a usage error → reported before any PostgreSQL starts, exit 1', async () => {
    const cli = await spawnApi('cli.js', env, ['user:create', '--password', 'long enough']);
    spawned.push(cli);

    expect(await cli.closed).toBe(1);
    expect(cli.stderr()).toMatch(/required option '--email <email>' not specified/);
    expectNothingLeft([]);
  }, 300_000);

  test('npm run cli, a command that fails → the error is reported, PostgreSQL stopped, exit 1', async () => {
    const cli = await spawnApi('cli.js', env, [
      'user:create',
      '--email',
      'a@b.test',
      '--password',
      'short',
    ]);
    spawned.push(cli);
    const server = await postmasterUp();

    expect(await cli.closed).toBe(1);
    expect(cli.stderr()).toMatch(/password must be at least 8 characters/);
    expectNothingLeft([server]);
  }, 300_000);

  test('npm run cli, SIGTERM while the command runs → PostgreSQL stopped, it dies of the signal', async () => {
    // The import reads its file from a FIFO that gets no data: the command
    // runs, waiting on it, until the signal.
    const fifo = join(dataDir, 'import.csv');
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', [fifo]);
    const cli = await spawnApi('cli.js', env, ['catalog:import', fifo]);
    spawned.push(cli);
    const server = await postmasterUp();
    // Opening the writing end without blocking succeeds once the command has
    // opened the file for reading: it is running.
    let writer: number | undefined;
    const opened = () => {
      try {
        writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        return true;
      } catch {
        return false;
      }
    };
    try {
      expect(await eventually(opened, START_POLLS)).toBe(true);

      cli.child.kill('SIGTERM');

      // Killed by the signal (what a shell reports as 143) once it has
      // stopped what it started.
      expect(await cli.closed).toBe('SIGTERM');
      expect(cli.stderr()).toContain('SIGTERM: command interrupted');
      expectNothingLeft([server]);
    } finally {
      if (writer !== undefined) closeSync(writer);
      rmSync(fifo, { force: true });
    }
  }, 300_000);

  test('npm start, PORT already in use → the error is logged as one JSON line, PostgreSQL stopped, exit 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const api = await spawnApi('main.js', { ...env, PORT: String(port) });
      spawned.push(api);
      const server = await postmasterUp();

      expect(await api.closed).toBe(1);
      // stderr is not a terminal here, as under a process manager: the
      // reason is a log line a collector can parse, not loose text.
      const lines = api.stderr().trimEnd().split('\n');
      const reported = JSON.parse(lines.at(-1) ?? '') as {
        level?: number;
        msg?: string;
        err?: { message?: string; stack?: string };
      };
      expect(reported).toMatchObject({ level: 60, msg: 'minishop failed to start' });
      expect(reported.err?.message).toMatch(/EADDRINUSE/);
      expect(reported.err?.stack).toMatch(/EADDRINUSE/);
      expectNothingLeft([server]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 300_000);

  test('npm run worker, a wrong setting → one JSON line saying which, without a stack, exit 1', async () => {
    const worker = await spawnApi('worker.js', { ...env, REQUEST_TIMEOUT_MS: 'soon' });
    spawned.push(worker);

    expect(await worker.closed).toBe(1);
    const lines = worker.stderr().trimEnd().split('\n');
    const reported = JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
    expect(reported).toMatchObject({ level: 60 });
    expect(reported.msg).toMatch(
      /^minishop worker failed to start: Invalid configuration:[\s\S]*REQUEST_TIMEOUT_MS/,
    );
    expect(reported).not.toHaveProperty('err');
  }, 120_000);
});
