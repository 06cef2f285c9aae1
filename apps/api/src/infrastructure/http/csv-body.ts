import type { Scope } from '@minishop/domain';
import { errorCodes, type FastifyInstance } from 'fastify';

import { declaresBody } from './request-body.js';

interface CsvBodyConfig {
  csvBody: { scopes: readonly Scope[] };
}

/**
 * Route config of a route that takes a CSV file as its body, from callers
 * whose access token holds `scopes` (the route's own `@Scopes()`):
 * `@RouteConfig(csvBody(scopes))`.
 */
export function csvBody(scopes: readonly Scope[]): CsvBodyConfig {
  return { csvBody: { scopes } };
}

/**
 * Why a request may not send the upload a route takes, before its body is
 * read (a missing token, a scope the token lacks), or undefined.
 */
export type UploadAdmission = (
  headers: Record<string, unknown>,
  scopes: readonly Scope[],
) => Error | undefined;

const CSV = /^\s*text\/csv\s*(?:;|$)/i;

/**
 * CSV bodies, as bytes (the catalog import decodes them, refusing what is
 * not UTF-8), for the routes marked CSV_BODY only. Fastify's body parsers are
 * the instance's, not a route's: unchecked, a CSV body reached every route,
 * where a route taking no body or a JSON one listed each of its bytes as an
 * unknown field (a 16 MiB body blocked the process for seconds and ended in a
 * 500). Elsewhere it is a 415 before the body is read. Route guards run
 * once the body is read: on these routes `admission` refuses a caller who
 * may not upload before a byte of it is, as the body would otherwise be
 * read and held whoever sent it (16 MiB, on as many connections as a
 * client opens). Node then reads the rest of the body and drops it, holding
 * nothing: closing the connection instead would reset it under a client
 * still sending, which then loses the 401 it could refresh its token on.
 */
export function acceptCsvBodies(
  fastify: FastifyInstance,
  maxBytes: number,
  admission: UploadAdmission,
): void {
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
    if (url === undefined) return done();
    if (!('csvBody' in config)) {
      return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('text/csv'));
    }
    done(admission(request.headers, (config as CsvBodyConfig).csvBody.scopes));
  });
}
