import { createHash } from 'node:crypto';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { lazily } from '../runtime/lazily.js';
import { namesEtag } from './if-none-match.js';

interface Rendered {
  /** UTF-8, encoded once rather than on every send. */
  body: Buffer;
  etag: string;
}

/** `render`, run once on first use (see lazily), as bytes with their ETag. */
function once(render: () => Promise<string>): () => Promise<Rendered> {
  return lazily(async () => {
    const body = Buffer.from(await render(), 'utf8');
    return {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
  });
}

/**
 * GET /docs/openapi.json and /docs/openapi.yaml: the document serialised
 * once, on the first request for it, then sent as those bytes with a strong
 * ETag (304 to a caller that holds them). Swagger's own routes serialise it
 * on every request (a YAML dump of this document is ~40 ms of CPU), which
 * would make two public URLs the cheapest way to keep a process busy.
 */
export function serveOpenApiDocuments(
  app: NestFastifyApplication,
  document: () => OpenAPIObject,
): void {
  const json = once(async () => JSON.stringify(document()));
  const yaml = once(async () => {
    // Loaded with the first request for it, not at every start.
    const { dump } = await import('js-yaml');
    return dump(document(), { skipInvalid: true, noRefs: true });
  });
  const route = (path: string, type: string, rendered: () => Promise<Rendered>) =>
    app.getHttpAdapter().get(path, async (req: FastifyRequest, reply: FastifyReply) => {
      const { body, etag } = await rendered();
      // Revalidated each time: a deploy changes the document under the same URL.
      void reply.header('ETag', etag).header('Cache-Control', 'no-cache');
      if (namesEtag(req.headers['if-none-match'], [etag])) return reply.status(304).send();
      return reply.type(type).send(body);
    });
  route('/docs/openapi.json', 'application/json; charset=utf-8', json);
  route('/docs/openapi.yaml', 'text/yaml; charset=utf-8', yaml);
}
