import type { IncomingMessage } from 'node:http';

import type { FastifyInstance } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

import { rateLimitKey } from './client-ip.js';
import { type HeaderList, setHeaderList } from './header-list.js';
import { problem } from './problem.js';

// Probes and scrapes must never be refused, and the docs are static.
// Readiness reuses one database check a second (health.controller.ts).
const EXEMPT = /^\/(health|metrics|docs)(\/|$|\?)/;

/** Where a client stands after a request: within its budget, or refused. */
export interface RateLimitVerdict {
  allowed: boolean;
  state: RateLimiterRes;
}

/**
 * A per-client ceiling on every API request (RATE_LIMIT_PER_MINUTE; 0 turns
 * it off), checked before any routing or database work, so a flood costs as
 * little as possible. Counters are per process: with N instances a client
 * gets at most N times the limit, which is enough to stop a runaway client;
 * the login limits, which must hold across instances, live in Redis
 * (auth/throttling). One budget per client whichever way its request is
 * answered: the Fastify hook below and the front door share this object.
 */
export class RequestRateLimit {
  private readonly limiter: RateLimiterMemory | undefined;
  private readonly verdicts = new WeakMap<IncomingMessage, RateLimitVerdict>();

  constructor(readonly perMinute: number) {
    this.limiter =
      perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : undefined;
  }

  /** Whether requests to `url` are counted at all. */
  applies(url: string): boolean {
    return this.limiter !== undefined && !EXEMPT.test(url);
  }

  /**
   * Charges `req` to `client`, once: a request the front door charged and
   * then handed to Fastify (a refusal, a cache miss) gets the same verdict
   * again from the hook, not a second charge.
   */
  async charge(req: IncomingMessage, client: string | undefined): Promise<RateLimitVerdict> {
    let verdict = this.verdicts.get(req);
    if (verdict) return verdict;
    try {
      verdict = { allowed: true, state: await this.limiter!.consume(rateLimitKey(client)) };
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      verdict = { allowed: false, state: refused };
    }
    this.verdicts.set(req, verdict);
    return verdict;
  }

  /** The headers telling the client where it stands. */
  headersFor(state: RateLimiterRes): HeaderList {
    return [
      'X-RateLimit-Limit',
      String(this.perMinute),
      'X-RateLimit-Remaining',
      String(Math.max(0, state.remainingPoints)),
      'X-RateLimit-Reset',
      String(Math.ceil(state.msBeforeNext / 1000)),
    ];
  }
}

/** Answers requests over `limit` with a 429 problem reply (Retry-After). */
export function limitRequestRate(fastify: FastifyInstance, limit: RequestRateLimit): void {
  // Off: no hook at all, as an async hook costs a promise on every request.
  if (limit.perMinute <= 0) return;
  fastify.addHook('onRequest', async (request, reply) => {
    if (!limit.applies(request.url)) return;
    const { allowed, state } = await limit.charge(request.raw, request.ip);
    setHeaderList(reply.raw, limit.headersFor(state));
    if (allowed) return;
    const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    void reply
      .code(429)
      .header('Retry-After', retryAfter)
      .type('application/problem+json')
      .send(
        problem({
          status: 429,
          type: 'rate-limited',
          detail: `Too many requests: at most ${limit.perMinute} a minute; retry in ${retryAfter} s`,
          instance: request.url.split('?')[0] ?? '',
        }),
      );
    return reply;
  });
}
