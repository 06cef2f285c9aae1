import type { FastifyReply, FastifyRequest } from 'fastify';

import { API_PREFIX } from '../../infrastructure/http/configure-app.js';

/**
 * 308 Permanent Redirect to `path` (below the API prefix), the request's
 * query string kept, with no body. Left with the private default
 * Cache-Control (no-store): a slug may be given back or taken by another
 * product at any time, and a redirect kept by a browser or a shared cache
 * would then send its callers in a loop or to the wrong product. (The
 * server's own cache keeps it, as every catalog write empties that.)
 */
export function sendMoved(req: FastifyRequest, reply: FastifyReply, path: string): FastifyReply {
  const query = req.url.indexOf('?');
  const search = query === -1 ? '' : req.url.slice(query);
  return reply.status(308).header('Location', `/${API_PREFIX}/${path}${search}`).send();
}
