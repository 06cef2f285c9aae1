import type { FastifyReply, FastifyRequest } from 'fastify';

import type { CachedResponse } from '../cache/catalog-cache.js';

/**
 * Sends a pre-serialised public catalog reply with its strong ETag, or 304
 * when the caller's If-None-Match names it. Shared by the controller and the
 * cache-hit fast path so both answer byte for byte alike.
 */
export function sendCached(
  req: FastifyRequest,
  reply: FastifyReply,
  cached: CachedResponse,
  maxAgeSeconds: number,
): FastifyReply {
  // Shared caches may hold a reply as long as the server-side cache does.
  void reply
    .header('Cache-Control', `public, max-age=${maxAgeSeconds}`)
    .header('ETag', cached.etag);
  if (matches(req.headers['if-none-match'], cached.etag)) return reply.status(304).send();
  return reply.header('Content-Type', 'application/json; charset=utf-8').send(cached.body);
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.trim() === '*' || header.split(',').some((t) => t.trim() === etag);
}
