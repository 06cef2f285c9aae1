import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');

export type Entry = 'main.js' | 'cluster.js' | 'worker.js' | 'cli.js';

/** The built entry point; process tests run what production runs. */
export function distEntry(name: Entry): string {
  const path = join(API_DIR, 'dist', name);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build first (npm run build -w @minishop/api)`);
  }
  return path;
}

/**
 * Below Linux's ephemeral range (32768-60999): a port handed out for a
 * process to bind seconds later must not be one the kernel can give to a
 * `listen(0)` meanwhile. supertest binds such a port for every request of
 * every in-process test app, and one of them once answered a spawned API's
 * readiness probe.
 */
const PORTS = { from: 20_000, to: 32_767 };

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORTS.from + Math.floor(Math.random() * (PORTS.to - PORTS.from + 1));
    if (await bindable(port)) return port;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a TCP connection to the port is accepted right now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** What was written to stdout alone, and to stderr alone. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** The same, once stdout and stderr are drained too: all output is in. */
  closed: Promise<number | string>;
}

/**
 * Spawns a built entry point with a clean environment of our choosing (the
 * test runner's DATABASE_URL is not inherited unless passed). `input` is
 * written to its standard input, which is otherwise empty (/dev/null).
 */
export async function spawnApi(
  entry: Entry,
  env: Record<string, string>,
  args: string[] = [],
  input?: string,
): Promise<ApiProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const inherited = { ...process.env };
  delete inherited.DATABASE_URL;
  delete inherited.NODE_OPTIONS;
  const child = spawn(process.execPath, [distEntry(entry), ...args], {
    cwd: API_DIR,
    env: {
      ...inherited,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...env,
      PORT: String(port),
    },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) {
    // A process that exits without reading its input closes the pipe: EPIPE
    // is then no failure of the test, its exit code says what happened.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input);
  }
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
    stderr += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const closed = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    port,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    closed,
  };
}

/** Inodes of the sockets listening on `port` (IPv4 and IPv6), from /proc/net. */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT; state 0A is LISTEN; field 9 is the inode.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** Whether `pid` has one of these sockets open. */
function holdsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return inodes.has(target.replace(/^socket:\[(\d+)\]$/, '$1'));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Whether `pid` holds the socket listening on `port`. Another test's server
 * may have bound the port that freePort() handed out and then gave up,
 * before this process could: its 200 must not count as this one's.
 */
function listensOn(pid: number | undefined, port: number): boolean {
  if (pid === undefined) return false;
  const inodes = listeningInodes(port);
  return inodes.size > 0 && holdsSocket(pid, inodes);
}

/** The command line of the process listening on `port`, for the failure message. */
function holderOf(port: number): string {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return 'no process found';
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    if (!holdsSocket(Number(pid), inodes)) continue;
    try {
      return `pid ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
    } catch {
      return `pid ${pid}`;
    }
  }
  return 'no process found';
}

/**
 * Polls /health/ready until 200 from this process (see listensOn); fails
 * early if the process dies or another one holds its port.
 */
export async function waitReady(api: ApiProcess, attempts = 1200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (api.child.exitCode !== null) {
      throw new Error(`API exited with ${api.child.exitCode}:\n${api.output()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${api.port}/health/ready`);
      if (res.status === 200) {
        if (listensOn(api.child.pid, api.port)) return;
        throw new Error(
          `port ${api.port} is answered by another process than the API (pid ${api.child.pid}): ${holderOf(api.port)}\n${api.output()}`,
        );
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('port ')) throw error;
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`API not ready:\n${api.output()}`);
}

/** Kills a process left behind by a failed test. */
export function reap(api: ApiProcess | undefined): void {
  if (api && api.child.exitCode === null && api.child.signalCode === null)
    api.child.kill('SIGKILL');
}
