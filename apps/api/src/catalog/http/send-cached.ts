import type { FastifyReply, FastifyRequest } from 'fastify';

import type { CachedResponse } from '../cache/catalog-cache.js';
import { codedEtag, codingFor, CONTENT_CODINGS, encodedBody } from './cached-encodings.js';

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
  const etag = codedEtag(cached.etag, coding);
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
 * Whether If-None-Match names `etag` in any of its codings (or is `*`: any
 * coding's ETag revalidates the same content),
 * compared weakly as RFC 9110 asks of If-None-Match.
 */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    const t = trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed;
    return t === etag || CONTENT_CODINGS.some((coding) => t === codedEtag(etag, coding));
  });
}
