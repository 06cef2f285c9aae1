import type { FastifyInstance, FastifyReply } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

import { problem } from './problem.js';

// Probes and scrapes must never be refused, and the docs are static.
const EXEMPT = /^\/(health|metrics|docs)(\/|$|\?)/;

function setHeaders(reply: FastifyReply, limit: number, state: RateLimiterRes): void {
  void reply.header('X-RateLimit-Limit', limit);
  void reply.header('X-RateLimit-Remaining', Math.max(0, state.remainingPoints));
  void reply.header('X-RateLimit-Reset', Math.ceil(state.msBeforeNext / 1000));
}

/**
 * A per-client ceiling on every API request (RATE_LIMIT_PER_MINUTE; 0 turns
 * it off), answered in a Fastify hook before any routing or database work,
 * so a flood costs as little as possible. Counters are per process: with N
 * instances a client gets at most N times the limit, which is enough to stop
 * a runaway client; the login limits, which must hold across instances, live
 * in Redis (auth/throttling).
 */
export function limitRequestRate(fastify: FastifyInstance, perMinute: number): void {
  if (perMinute <= 0) return;
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  fastify.addHook('onRequest', async (request, reply) => {
    if (EXEMPT.test(request.url)) return;
    try {
      setHeaders(reply, perMinute, await limiter.consume(request.ip));
    } catch (refused) {
      if (!(refused instanceof RateLimiterRes)) throw refused;
      setHeaders(reply, perMinute, refused);
      const retryAfter = Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
      void reply
        .code(429)
        .header('Retry-After', retryAfter)
        .type('application/problem+json')
        .send(
          problem({
            status: 429,
            type: 'rate-limited',
            detail: `Too many requests: at most ${perMinute} a minute; retry in ${retryAfter} s`,
            instance: request.url.split('?')[0] ?? '',
          }),
        );
      return reply;
    }
  });
}
