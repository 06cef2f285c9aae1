import type { FastifyInstance } from 'fastify';

import { declaresBody } from './request-body.js';

/**
 * Refuses a request body sent with a Content-Encoding (gzip, br, ...) with a
 * 415 naming it, and `Accept-Encoding: identity` (RFC 9110, 15.5.16). The
 * body parsers read bytes as they come: a gzip body was a 400 "not valid
 * JSON", and a `br` label on a plain body was obeyed as if it were absent.
 * Bodies are small JSON (or a CSV file an admin uploads), not worth a
 * decompressor and its bomb limits.
 */
export function refuseEncodedBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const coding = request.headers['content-encoding'];
    if (coding === undefined || coding.trim().toLowerCase() === 'identity') return done();
    // Without a body the label describes nothing (and GET routes take none).
    if (!declaresBody(request.headers)) return done();
    void reply.header('Accept-Encoding', 'identity');
    done(
      Object.assign(
        new Error(
          `Content-Encoding ${JSON.stringify(coding.slice(0, 40))} is not supported; send the body uncompressed`,
        ),
        { statusCode: 415, code: 'CONTENT_ENCODING_UNSUPPORTED' },
      ),
    );
  });
}
