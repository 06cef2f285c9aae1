import type { Request as CannonRequest } from 'autocannon';

/** One request shape autocannon repeats; `setupRequest` may vary it per request. */
export type BenchRequest = CannonRequest;

export interface HttpReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** What a scenario's setup may use to prepare data through the public API. */
export interface BenchContext {
  baseUrl: string;
  /** JSON request against the server under test (`path` includes /api/v1). */
  http(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpReply>;
  /** Runs `npm run cli` against the same database, e.g. `user:create`. */
  cli(args: string[]): Promise<{ code: number; output: string }>;
  /** Webhook signing secret the API was started with. */
  stripeWebhookSecret: string;
  /** The bare Fastify baseline's req/s in this run, once it has run. */
  baselineReqPerSec(): number | undefined;
}

/**
 * Seconds of unmeasured load before each repeatable scenario, so the figures
 * are of code the JIT has compiled, as in a server that has been up a while
 * (BENCH_WARMUP, 0 for none). Scenarios with a limited stock size their
 * warm-up in requests instead, and set none aside when this is 0.
 */
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 2);

/** Thrown by a setup when the scenario cannot run yet; the harness prints the reason. */
export class SkipScenario extends Error {}

export function skip(reason: string): never {
  throw new SkipScenario(reason);
}

/**
 * A benchmark scenario: a file in scenarios/, listed in scenarios/index.ts.
 * `setup` prepares data through the API and returns what to hammer. The
 * harness probes the first request once (through its setupRequest, so it
 * counts as one real request) and skips the scenario when its route answers
 * 404 (not built yet).
 */
export interface Scenario {
  name: string;
  /** `baseline` runs against the bare Fastify server, `api` against the built app. */
  target: 'baseline' | 'api';
  /**
   * Stop after this many requests (within the duration) when each request
   * consumes something setup prepared a limited stock of (checkout: a filled
   * cart). Set by setup; undefined runs for the whole duration.
   */
  maxRequests?: number;
  /**
   * Of such a limited stock, how many requests go to an unmeasured warm-up
   * before the `maxRequests` measured ones (set by setup; none if unset).
   */
  warmupRequests?: number;
  /**
   * Send this many requests per second in all, evenly spaced and on schedule
   * (bench/paced-load.ts); unset sends as fast as replies come (autocannon).
   */
  overallRate?: number;
  /** Connections of this scenario's run when not the harness's default. */
  connections?: number;
  setup(ctx: BenchContext): Promise<BenchRequest[]>;
}

/** Fails the setup step with the reply when it is not the expected status. */
export function expectStatus(reply: HttpReply, status: number, step: string): void {
  if (reply.status === 404) skip(`${step}: route answers 404 (not built yet)`);
  if (reply.status !== status) {
    skip(
      `${step}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`,
    );
  }
}
