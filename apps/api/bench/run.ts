import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';
import pg from 'pg';

import { onStopSignal, stopRequested, tracked } from './child-processes.js';
import { benchImport, type ImportBenchResult } from './import.bench.js';
import { benchJobs, type JobsBenchResult } from './jobs.bench.js';
import { forgetLoginCounters } from './login-counters.js';
import { pacedLoad } from './paced-load.js';
import {
  type BenchContext,
  type BenchRequest,
  type HttpReply,
  type Scenario,
  SkipScenario,
  WARMUP_SECONDS,
} from './scenario.js';
import { baselineHello } from './scenarios/baseline-hello.js';
import { scenarios } from './scenarios/index.js';
import { startStripeProcess } from './stripe-process.js';

// dist-bench/bench/run.js -> apps/api
const API_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// BENCH_API_PROCESSES=n (n > 1): the API as `npm run start:prod` runs it,
// n processes under the cluster primary (WEB_CONCURRENCY=n); CPU and RSS
// figures are then the primary's and its workers' together.
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? 1);
if (!Number.isInteger(API_PROCESSES) || API_PROCESSES < 1) {
  throw new Error(`BENCH_API_PROCESSES must be a whole number ≥ 1, got ${API_PROCESSES}`);
}
const MAIN = join(API_DIR, API_PROCESSES > 1 ? 'dist/cluster.js' : 'dist/main.js');
const WORKER_MAIN = join(API_DIR, 'dist/worker.js');
// How production starts Node (flags and allocator settings); see the script.
const LAUNCHER = join(API_DIR, 'bin/minishop-node');
const CLI = join(API_DIR, 'dist/cli.js');
const BASELINE = join(API_DIR, 'dist-bench/bench/baseline-server.js');
const RESULTS = join(API_DIR, 'bench/results.json');

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
// Where the background jobs (the mails checkout and registration enqueue)
// run: 'separate' as production runs them, in a worker process beside an API
// started with RUN_WORKER=off (docker-compose, docs/operations.md); 'inline'
// inside the API process, as a bare `npm start` does.
const JOBS = process.env.BENCH_JOBS === 'inline' ? 'inline' : 'separate';
// How long a scenario's leftover jobs may take to drain before the next one.
const DRAIN_LIMIT_MS = 60_000;
// BENCH_PROFILE=<dir>: the API and the worker write V8 CPU profiles there
// when they stop (open them in Chrome DevTools or speedscope).
// BENCH_NODE_FLAGS="--flag ...": extra node flags for the API and the worker,
// to compare V8 settings in one command.
const PROFILE_FLAGS = [
  ...(process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE)}`]
    : []),
  ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
];
const WEBHOOK_SECRET = 'whsec_benchsecret';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';

function only(): string[] {
  const arg = process.argv.find((a) => a.startsWith('--filter='))?.slice('--filter='.length);
  const raw = arg ?? process.env.BENCH_ONLY ?? '';
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** /dev/shm when it is a writable directory (Linux), else undefined. */
function memoryTmpDir(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => res(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url: string, child: ChildProcess, deadlineMs = 120_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`${url} not ready after ${deadlineMs} ms`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system) a process has used so far, in microseconds. */
function cpuMicros(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command
  // name, in clock ticks of USER_HZ (100 on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * CPU time (µs) each PostgreSQL server process of this machine has used so
 * far, by pid: the database's share of a request. Backends of other
 * databases count too, so the figure is only meaningful on a quiet server.
 */
function postgresCpu(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      byPid.set(Number(entry), cpuMicros(Number(entry)));
    } catch {
      // the process ended while being read
    }
  }
  return byPid;
}

/**
 * What PostgreSQL used between two readings: processes alive at the second
 * one, less what they had used at the first. A backend that ended in
 * between takes its CPU with it (an undercount, never a negative).
 */
function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, micros] of postgresCpu()) {
    const earlier = before.get(pid) ?? 0;
    // Less than before: the pid was reused by a process started since.
    total += micros >= earlier ? micros - earlier : micros;
  }
  return total;
}

/** The process and its children (a cluster primary's workers). */
function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return pids;
}

/** CPU time of a process and its children, µs. */
function treeCpuMicros(pid: number): number {
  return withChildren(pid).reduce((sum, p) => sum + cpuMicros(p), 0);
}

function rssMiB(pid: number): number {
  let kib = 0;
  for (const p of withChildren(pid)) {
    const line = readFileSync(`/proc/${p}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    kib += Number(line?.replace(/\D/g, '') ?? 0);
  }
  return Math.round((kib / 1024) * 10) / 10;
}

/** Where the API's data lives: a fresh database on DATABASE_URL's server, else an embedded one. */
async function prepareDatabase(): Promise<{
  env: Record<string, string>;
  /** The API's database, for the harness' own queries (the job backlog). */
  url: string;
  label: string;
  cleanup(): Promise<void>;
}> {
  const admin = process.env.DATABASE_URL;
  if (admin) {
    const name = `minishop_bench_${randomBytes(4).toString('hex')}`;
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await query(`CREATE DATABASE "${name}"`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return {
      env: { DATABASE_URL: url.toString() },
      url: url.toString(),
      label: `PostgreSQL of DATABASE_URL (database ${name})`,
      cleanup: async () => {
        await query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await forgetLoginCounters(url.toString(), '');
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'minishop-bench-'));
  // Run as root, PostgreSQL runs as its own user, which must reach DIR/pg.
  chmodSync(dir, 0o755);
  const port = await freePort();
  return {
    env: { DATA_DIR: dir, EMBEDDED_PG_PORT: String(port) },
    // As the API's embedded server is set up (embedded-postgres.ts).
    url: `postgres://postgres:postgres@127.0.0.1:${port}/minishop`,
    label: `embedded PostgreSQL (port ${port}, started by the API)`,
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      await forgetLoginCounters(undefined, dir);
    },
  };
}

interface Row {
  scenario: string;
  status: 'ran' | 'skipped';
  reason?: string;
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  errors?: number;
  non2xx?: number;
  ratio?: number;
  /** CPU time of the API process per request, µs. */
  apiCpuUs?: number;
  /** CPU time of the separate job worker per request, µs. */
  workerCpuUs?: number;
  /** CPU time of PostgreSQL's processes per request, µs. */
  postgresCpuUs?: number;
  /**
   * CPU time of the Stripe emulator per request, µs: Stripe's share, which
   * the bench puts on the same cores and production does not.
   */
  stripeCpuUs?: number;
  /** Due jobs not yet completed when the load stopped, and how long they took to drain. */
  jobsQueued?: number;
  drainMs?: number;
}

type LoadFigures = Pick<Row, 'reqPerSec' | 'p50Ms' | 'p99Ms' | 'errors' | 'non2xx'>;

/** As many requests as replies allow, on CONNECTIONS connections (autocannon). */
async function closedLoop(
  url: string,
  scenario: Scenario,
  requests: BenchRequest[],
): Promise<{ total: number; figures: LoadFigures }> {
  const result = await autocannon({
    url,
    connections: scenario.connections ?? CONNECTIONS,
    pipelining: 1,
    duration: DURATION,
    // autocannon notices the last response of a counted run at its next
    // sample: sample every 100 ms, so the duration below is that close.
    ...(scenario.maxRequests ? { amount: scenario.maxRequests, sampleInt: 100 } : {}),
    requests,
  });
  return {
    total: result.requests.total,
    figures: {
      // A run that stops at a request count (checkout's carts) lasts a few
      // seconds, and autocannon's average is per sample: rate it by its
      // measured duration instead.
      reqPerSec: Math.round(
        scenario.maxRequests ? result.requests.total / result.duration : result.requests.average,
      ),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    },
  };
}

/** `rate` requests per second, evenly spaced, for DURATION or the scenario's maxRequests. */
async function paced(
  url: string,
  scenario: Scenario,
  rate: number,
  requests: BenchRequest[],
): Promise<{ total: number; figures: LoadFigures }> {
  const result = await pacedLoad({
    url,
    rate,
    amount: scenario.maxRequests ?? rate * DURATION,
    requests,
    connections: scenario.connections ?? CONNECTIONS,
  });
  return {
    total: result.total,
    figures: {
      reqPerSec: Math.round(result.total / result.durationS),
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      errors: result.errors,
      non2xx: result.non2xx,
    },
  };
}

async function main(): Promise<void> {
  const filters = only();
  const chosen = scenarios.filter(
    (s) =>
      s.target === 'baseline' ||
      filters.length === 0 ||
      filters.some((f) => s.name.toLowerCase().includes(f)),
  );
  // The baseline again after the API's scenarios: on a shared machine one
  // 5-10 s sample can catch a neighbour's burst, and every ratio hangs on it.
  // Ratios use the mean of both; the table shows each.
  const selected = [
    ...chosen,
    ...chosen
      .filter((s) => s.target === 'baseline')
      .map((s) => ({ ...s, name: `${s.name} (again)` })),
  ];
  const db = await prepareDatabase();
  onStopSignal(() => db.cleanup());
  // Mails and reports go to a directory of this run, not the checkout's .data/,
  // in memory where the machine has a memory file system: the development
  // outbox writes a file per mail, which production sends over SMTP instead,
  // and on an ext4 without a journal creating a file after many deletions
  // (the previous run's) scans each recently freed inode: measured at about
  // 1 ms of the worker's CPU per order mail, the disk's cost, not the shop's.
  const dataDir =
    db.env.DATA_DIR ?? mkdtempSync(join(memoryTmpDir() ?? tmpdir(), 'minishop-bench-data-'));
  const apiPort = await freePort();
  const stripe = await startStripeProcess(
    `http://127.0.0.1:${apiPort}/api/v1/webhooks/stripe`,
    WEBHOOK_SECRET,
  );
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...db.env,
    NODE_ENV: 'production',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // One load generator is one client IP: the per-client limit would measure itself.
    RATE_LIMIT_PER_MINUTE: '0',
    // Nor may its buyers, all signed up from that address, meet the
    // registration limit.
    REGISTER_RATE_LIMIT_IP: '100000',
    JWT_SECRET,
    // Payments go to Stripe's emulator in a process of its own (stripe-process.ts).
    ...stripe.env,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...(API_PROCESSES > 1 ? { WEB_CONCURRENCY: String(API_PROCESSES) } : {}),
    DATA_DIR: dataDir,
    RUN_WORKER: JOBS === 'inline' ? 'inline' : 'off',
  };
  if (!process.env.DATABASE_URL) delete env.DATABASE_URL;
  const base = `http://127.0.0.1:${apiPort}`;
  const startApi = async (): Promise<{ child: ChildProcess; readyMs: number }> => {
    const t0 = performance.now();
    // Through the production launcher, which execs node: the pid measured
    // below is the API's own.
    const child = tracked(
      spawn('sh', [LAUNCHER, ...PROFILE_FLAGS, MAIN], {
        cwd: API_DIR,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    await waitFor(`${base}/health/ready`, child);
    return { child, readyMs: Math.round(performance.now() - t0) };
  };
  /** `npm run worker`, on the API's database; resolves once it works its queues. */
  const startWorker = (): Promise<ChildProcess> =>
    new Promise((res, rej) => {
      // Info level for its start-up line only: it logs nothing per job.
      const child = tracked(
        spawn('sh', [LAUNCHER, ...PROFILE_FLAGS, WORKER_MAIN], {
          cwd: API_DIR,
          env: { ...env, LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      let ready = false;
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        if (ready) return;
        seen = (seen + chunk.toString()).slice(-4096);
        if (seen.includes('Worker ready')) {
          ready = true;
          res(child);
        }
      });
      child.once('exit', (code) => {
        if (!ready) rej(new Error(`the job worker exited with ${code} before ready`));
      });
    });
  const withClient = async <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end();
    }
  };
  const jobsDue = () =>
    withClient(async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job
          WHERE state IN ('created', 'retry', 'active') AND start_after <= now()`,
      );
      return rows[0]?.n ?? 0;
    });
  // A fresh database has no statistics until autovacuum first analyzes it, a
  // minute or more after the first writes; a running shop has them. Without
  // them the job queue's fetch joins its batch to the queue's whole table
  // row by row (6 ms a fetch instead of 0.8, measured), until then.
  const analyze = () => withClient((client) => client.query('ANALYZE'));

  console.log(
    `minishop bench: ${DURATION} s per scenario, ${CONNECTIONS} connections, Node ${process.version}, ${availableParallelism()} CPUs${API_PROCESSES > 1 ? `, API in ${API_PROCESSES} processes (cluster)` : ''}`,
  );
  console.log(`database: ${db.label}`);
  // Figures taken on a busy machine say little: print how busy it was.
  const loadBefore = loadavg()[0]!.toFixed(2);
  console.log(`load average (1 min) before: ${loadBefore}`);
  const cold = await startApi();
  await stop(cold.child);
  const { child: api, readyMs: warmMs } = await startApi();
  await sleep(1000);
  const idleRss = rssMiB(api.pid!);
  const worker = JOBS === 'separate' ? await startWorker() : undefined;
  const workerCpu = () => (worker ? cpuMicros(worker.pid!) : 0);
  /** Waits until no due job is left (at most DRAIN_LIMIT_MS); returns how long that took. */
  const drainJobs = async (): Promise<number> => {
    const t0 = performance.now();
    while ((await jobsDue()) > 0 && performance.now() - t0 < DRAIN_LIMIT_MS) await sleep(100);
    return Math.round(performance.now() - t0);
  };
  console.log(
    `API start-to-ready: cold ${cold.readyMs} ms (fresh database: ${process.env.DATABASE_URL ? 'migrations' : 'initdb + migrations'}), warm ${warmMs} ms; idle RSS ${idleRss} MiB`,
  );
  console.log(
    worker
      ? 'jobs: in a separate worker process (npm run worker), the API with RUN_WORKER=off, as in production\n'
      : 'jobs: inline, in the API process (BENCH_JOBS=inline)\n',
  );

  const basePort = await freePort();
  const baseline = tracked(
    spawn(process.execPath, [BASELINE], {
      env: { ...process.env, PORT: String(basePort) },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  await waitFor(`http://127.0.0.1:${basePort}/`, baseline);

  const rows: Row[] = [];
  const ctx: BenchContext = {
    baseUrl: base,
    stripeWebhookSecret: WEBHOOK_SECRET,
    baselineReqPerSec: () =>
      rows.find((r) => r.status === 'ran' && r.scenario === baselineHello.name)?.reqPerSec,
    http: async (method, path, body, headers = {}) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, headers: res.headers, body: parsed } satisfies HttpReply;
    },
    cli: (args) =>
      new Promise((res) => {
        const child = tracked(
          spawn(process.execPath, [CLI, ...args], {
            cwd: API_DIR,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        );
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.on('exit', (code) => res({ code: code ?? 1, output }));
      }),
  };

  try {
    for (const scenario of selected) {
      if (stopRequested()) break;
      const url = scenario.target === 'baseline' ? `http://127.0.0.1:${basePort}` : base;
      let requests;
      try {
        requests = await scenario.setup(ctx);
        const template = requests[0];
        if (!template) throw new SkipScenario('setup returned no request');
        // The probe is a real first request, as setupRequest makes it: the
        // template alone may lack what the route needs (a cart token, a
        // user) and answer a 404 that is not a missing route.
        const first =
          typeof template.setupRequest === 'function'
            ? template.setupRequest(template, {})
            : template;
        const probe = await fetch(`${url}${first.path ?? '/'}`, {
          method: first.method ?? 'GET',
          headers: first.headers as Record<string, string> | undefined,
          ...(typeof first.body === 'string' ? { body: first.body } : {}),
        });
        await probe.arrayBuffer();
        if (probe.status === 404)
          throw new SkipScenario(
            `${first.method ?? 'GET'} ${first.path}: route answers 404 (not built yet)`,
          );
      } catch (error) {
        if (!(error instanceof SkipScenario)) throw error;
        rows.push({ scenario: scenario.name, status: 'skipped', reason: error.message });
        console.log(`- ${scenario.name}: skipped, ${error.message}`);
        continue;
      }
      process.stdout.write(`- ${scenario.name}: running ${DURATION} s ... `);
      const onApi = scenario.target === 'api';
      // Statistics first (the setup's jobs drained, as they are not this
      // run's work): ANALYZE invalidates every plan each pooled connection
      // has cached, and the warm-up then makes them again. Measured the other
      // way round, the first half second of a three-second run was every
      // connection planning the checkout again, and most of its slowest replies.
      if (onApi) {
        await drainJobs();
        await analyze();
      }
      if (scenario.maxRequests) {
        // A limited stock (checkout's carts) is warmed by the part of it
        // that setup set aside, sent as the measured run sends it.
        const count = scenario.warmupRequests ?? 0;
        if (count > 0 && WARMUP_SECONDS > 0) {
          const warm = {
            ...scenario,
            maxRequests: count,
            connections: Math.min(scenario.connections ?? CONNECTIONS, count),
          };
          const { figures } = await (scenario.overallRate
            ? paced(url, warm, scenario.overallRate, requests)
            : closedLoop(url, warm, requests));
          // Its carts are spent either way; a failing warm-up says the run would fail too.
          if ((figures.errors ?? 0) > 0 || (figures.non2xx ?? 0) > 0) {
            throw new Error(
              `${scenario.name}: the warm-up got ${figures.errors ?? 0} errors and ${figures.non2xx ?? 0} non-2xx replies`,
            );
          }
        }
      } else if (WARMUP_SECONDS > 0) {
        await autocannon({
          url,
          connections: CONNECTIONS,
          pipelining: 1,
          duration: WARMUP_SECONDS,
          requests,
        });
      }
      // The warm-up's jobs are not this run's work either.
      if (onApi) await drainJobs();
      const cpuBefore = onApi
        ? {
            api: treeCpuMicros(api.pid!),
            worker: workerCpu(),
            postgres: postgresCpu(),
            stripe: cpuMicros(stripe.child.pid!),
          }
        : undefined;
      const result = scenario.overallRate
        ? await paced(url, scenario, scenario.overallRate, requests)
        : await closedLoop(url, scenario, requests);
      const row: Row = { scenario: scenario.name, status: 'ran', ...result.figures };
      if (cpuBefore && result.total > 0) {
        const perRequest = (micros: number) => Math.round(micros / result.total);
        row.apiCpuUs = perRequest(treeCpuMicros(api.pid!) - cpuBefore.api);
        // Jobs the load left behind are part of its cost, and of what a
        // worker must keep up with: count them, let them finish, then measure.
        row.jobsQueued = await jobsDue();
        row.drainMs = await drainJobs();
        if (worker) row.workerCpuUs = perRequest(workerCpu() - cpuBefore.worker);
        row.stripeCpuUs = perRequest(cpuMicros(stripe.child.pid!) - cpuBefore.stripe);
        // After the drain too: the queries of the jobs these requests left are theirs.
        row.postgresCpuUs = perRequest(postgresCpuSince(cpuBefore.postgres));
      }
      rows.push(row);
      console.log(
        `${row.reqPerSec} req/s${row.jobsQueued ? `; ${row.jobsQueued} jobs queued at the end, done ${(row.drainMs! / 1000).toFixed(1)} s later` : ''}`,
      );
    }
  } finally {
    await Promise.all([stop(api), stop(baseline), ...(worker ? [stop(worker)] : [])]);
  }
  const baselineNames = new Set(selected.filter((s) => s.target === 'baseline').map((s) => s.name));
  const baselines = rows.filter((r) => r.status === 'ran' && baselineNames.has(r.scenario));
  const baselineRps = baselines.length
    ? baselines.reduce((sum, r) => sum + r.reqPerSec!, 0) / baselines.length
    : undefined;
  for (const row of rows) {
    if (baselineRps && row.reqPerSec !== undefined) {
      row.ratio = Math.round((row.reqPerSec / baselineRps) * 1000) / 1000;
    }
  }
  // Background work, in this process on the same database once the API is
  // down (with an embedded PostgreSQL only one process may own it).
  // Stopped by a signal: nothing more is started, nor any result written.
  if (stopRequested()) return;
  const background: { jobs?: JobsBenchResult; import?: ImportBenchResult } = {};
  const wanted = (name: string) => filters.length === 0 || filters.some((f) => name.includes(f));
  try {
    const benchEnv = { ...env, NODE_ENV: 'production' };
    if (wanted('jobs')) {
      background.jobs = await benchJobs({ count: 5_000, env: benchEnv });
      console.log(
        `- jobs: ${background.jobs.count} no-op jobs, enqueue ${background.jobs.enqueuePerSecond}/s in one transaction, worked ${background.jobs.jobsPerSecond} jobs/s`,
      );
    }
    if (wanted('import')) {
      background.import = await benchImport({ rows: 20_000, env: benchEnv });
      console.log(
        `- catalog import: ${background.import.rows} rows, ${background.import.rowsPerSecond} rows/s new, ${background.import.reimportRowsPerSecond} rows/s re-import`,
      );
    }
  } finally {
    await stop(stripe.child);
    await db.cleanup();
    if (!db.env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }

  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'vs baseline',
    'API CPU µs/req',
    'PG CPU µs/req',
    ...(worker ? ['worker µs/req'] : []),
    'Stripe emulator µs/req',
    'jobs queued',
  ];
  const table = [
    header,
    ...rows.map((r) =>
      r.status === 'skipped'
        ? [r.scenario, 'skipped', ...header.slice(2).map(() => '')]
        : [
            r.scenario,
            String(r.reqPerSec),
            String(r.p50Ms),
            String(r.p99Ms),
            String(r.errors),
            String(r.non2xx),
            r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(1)} %`,
            r.apiCpuUs === undefined ? '' : String(r.apiCpuUs),
            r.postgresCpuUs === undefined ? '' : String(r.postgresCpuUs),
            ...(worker ? [r.workerCpuUs === undefined ? '' : String(r.workerCpuUs)] : []),
            r.stripeCpuUs === undefined ? '' : String(r.stripeCpuUs),
            r.jobsQueued === undefined ? '' : String(r.jobsQueued),
          ],
    ),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log('');
  for (const [i, row] of table.entries()) {
    console.log(
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: availableParallelism(),
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        database: db.label,
        loadAverage: { before: Number(loadBefore), after: loadavg()[0] },
        api: { startToReadyMs: { cold: cold.readyMs, warm: warmMs }, idleRssMiB: idleRss },
        jobs: JOBS,
        scenarios: rows,
        background,
      },
      null,
      2,
    )}\n`,
  );
  console.log(
    `\nload average (1 min) before ${loadBefore}, after ${loadavg()[0]!.toFixed(2)}; results written to ${RESULTS}`,
  );
}

main().catch((error: unknown) => {
  if (stopRequested()) return;
  console.error(error);
  process.exit(1);
});
