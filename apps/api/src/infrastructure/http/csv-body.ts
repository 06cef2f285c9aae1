import { errorCodes, type FastifyInstance } from 'fastify';

import { declaresBody } from './request-body.js';

/** Route config of a route that takes a CSV file as its body: `@RouteConfig(CSV_BODY)`. */
export const CSV_BODY = { csvBody: true } as const;

const CSV = /^\s*text\/csv\s*(?:;|$)/i;

/**
 * CSV bodies, as bytes (the catalog import decodes them, refusing what is
 * not UTF-8), for the routes marked CSV_BODY only. Fastify's body parsers are
 * the instance's, not a route's: unchecked, a CSV body reached every route,
 * where a route taking no body or a JSON one listed each of its bytes as an
 * unknown field (a 16 MiB body blocked the process for seconds and ended in a
 * 500). Elsewhere it is a 415 before the body is read.
 */
export function acceptCsvBodies(fastify: FastifyInstance, maxBytes: number): void {
  fastify.addContentTypeParser(
    'text/csv',
    { parseAs: 'buffer', bodyLimit: maxBytes },
    (_request, body, done) => done(null, body),
  );
  fastify.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type'];
    if (type === undefined || !CSV.test(type)) return done();
    // Without a body the label describes nothing (a poll sent with the upload's headers).
    if (!declaresBody(request.headers)) return done();
    const { url, config } = request.routeOptions;
    // An unknown route stays a 404.
    if (url === undefined || 'csvBody' in config) return done();
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/csv'));
  });
}
