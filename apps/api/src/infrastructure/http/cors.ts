import type { FastifyInstance } from 'fastify';

import { type HeaderList, setHeaderList } from './header-list.js';

/** Headers a storefront may read from a cross-origin reply. */
const EXPOSED = ['X-Request-Id', 'Retry-After', 'ETag', 'Location'].join(', ');
/** Headers a storefront may send: every one the API reads. */
const ALLOWED = [
  'Authorization',
  'Content-Type',
  'X-Cart-Token',
  'Idempotency-Key',
  'If-None-Match',
  'X-Request-Id',
].join(', ');
/** Every method a route of the API answers to. */
const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/** Browsers cap it (Chromium at 2 h); 10 min spares most preflights of a session. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

// Replies differ by Origin: shared caches must key on it.
const NOT_ALLOWED: HeaderList = ['Vary', 'Origin'];

/**
 * CORS for the storefront origins in CORS_ORIGINS (no credentials: the API
 * authenticates with bearer tokens, never cookies).
 *
 * Written here rather than taken from `@fastify/cors` because it runs on
 * every request, cache hits included: that plugin merges its options object
 * and rebuilds its header values on each one. The policy is fixed at start,
 * so everything but the origin check is a constant here.
 */
export class CorsPolicy {
  /** Per allowed origin, the headers of a reply to it. */
  private readonly allowed: ReadonlyMap<string, HeaderList>;

  constructor(origins: readonly string[]) {
    this.allowed = new Map(
      origins.map((origin) => [
        origin,
        [
          ...NOT_ALLOWED,
          'Access-Control-Allow-Origin',
          origin,
          'Access-Control-Expose-Headers',
          EXPOSED,
        ],
      ]),
    );
  }

  /** Whether a page of `origin` may read the replies. */
  allows(origin: string | undefined): boolean {
    return origin !== undefined && this.allowed.has(origin);
  }

  /** The CORS headers of every reply to a request from `origin`. */
  headersFor(origin: string | undefined): HeaderList {
    return (origin !== undefined && this.allowed.get(origin)) || NOT_ALLOWED;
  }
}

/**
 * Applies `policy` to every request. A preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) is answered 204 at once, with the request
 * id and security headers set by the hooks before this one; a disallowed
 * origin gets no Allow-Origin and the browser stops there. Any other OPTIONS
 * goes on to the router (404).
 */
export function applyCors(fastify: FastifyInstance, policy: CorsPolicy): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    const origin = request.headers.origin;
    setHeaderList(raw, policy.headersFor(origin));
    if (
      request.method === 'OPTIONS' &&
      origin !== undefined &&
      request.headers['access-control-request-method'] !== undefined
    ) {
      if (policy.allows(origin)) {
        raw.setHeader('Access-Control-Allow-Methods', METHODS);
        raw.setHeader('Access-Control-Allow-Headers', ALLOWED);
        raw.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
      }
      void reply.code(204).header('Content-Length', '0').send();
      return;
    }
    done();
  });
}
