import type { FastifyInstance } from 'fastify';

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

/**
 * CORS for the storefront origins in CORS_ORIGINS (no credentials: the API
 * authenticates with bearer tokens, never cookies).
 *
 * Written here rather than taken from `@fastify/cors` because it runs on
 * every request, cache hits included: that plugin merges its options object
 * and rebuilds its header values on each one. The policy is fixed at start,
 * so everything but the origin check is a constant here.
 *
 * A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
 * answered 204 at once, with the request id and security headers set by the
 * hooks before this one; a disallowed origin gets no Allow-Origin and the
 * browser stops there. Any other OPTIONS goes on to the router (404).
 */
export function applyCors(fastify: FastifyInstance, origins: readonly string[]): void {
  const allowed = new Set(origins);
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    // Replies differ by Origin: shared caches must key on it.
    raw.setHeader('Vary', 'Origin');
    const origin = request.headers.origin;
    const allowedOrigin = origin !== undefined && allowed.has(origin);
    if (allowedOrigin) {
      raw.setHeader('Access-Control-Allow-Origin', origin);
      raw.setHeader('Access-Control-Expose-Headers', EXPOSED);
    }
    if (
      request.method === 'OPTIONS' &&
      origin !== undefined &&
      request.headers['access-control-request-method'] !== undefined
    ) {
      if (allowedOrigin) {
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
