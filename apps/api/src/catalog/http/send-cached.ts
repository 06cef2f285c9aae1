import type { FastifyReply, FastifyRequest } from 'fastify';

import type { CachedResponse } from '../cache/catalog-cache.js';
import { codingFor, encodedBody } from './cached-encodings.js';

/**
 * Sends a pre-serialised public catalog reply with its strong ETag, or 304
 * when the caller's If-None-Match names it; compressed (br or gzip) when the
 * caller accepts it. Shared by the controller and the cache-hit fast path so
 * both answer byte for byte alike.
 */
export function sendCached(
  req: FastifyRequest,
  reply: FastifyReply,
  cached: CachedResponse,
  maxAgeSeconds: number,
): FastifyReply {
  const coding = codingFor(cached, req.headers['accept-encoding']);
  // A strong ETag names one representation, so each coding has its own
  // (as Apache does); any of them revalidates the same content.
  const etag = coding ? `${cached.etag.slice(0, -1)}-${coding}"` : cached.etag;
  const vary = reply.getHeader('vary');
  // Shared caches may hold a reply as long as the server-side cache does.
  void reply
    .header('Cache-Control', `public, max-age=${maxAgeSeconds}`)
    .header('ETag', etag)
    .header('Vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
  if (matches(req.headers['if-none-match'], cached.etag)) return reply.status(304).send();
  void reply.header('Content-Type', 'application/json; charset=utf-8');
  if (coding) void reply.header('Content-Encoding', coding);
  return reply.send(encodedBody(cached, coding ?? 'identity'));
}

/**
 * Whether If-None-Match names `etag` in any of its codings (or is `*`),
 * compared weakly as RFC 9110 asks of If-None-Match.
 */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.slice(0, -1);
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    const t = trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed;
    return t === etag || t === `${bare}-br"` || t === `${bare}-gzip"`;
  });
}
