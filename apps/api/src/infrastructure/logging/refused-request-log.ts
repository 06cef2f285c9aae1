import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { fastifyOf } from '../http/fastify-of.js';

/**
 * The request line of a request refused before Nest's request logger ran:
 * the hooks that answer first (rate limit 429, Accept 406, Content-Encoding
 * 415, CORS preflights) and the router's 400/414 never reach pino-http's
 * middleware, so without this they left no line at all. Same fields as
 * pino-http's line; a preflight goes at debug, as browsers send one before
 * many cross-origin calls.
 */
@Injectable()
export class RefusedRequestLog implements OnModuleInit {
  private readonly logger = new Logger('Http');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = fastifyOf(this.adapterHost);
    if (!fastify) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      // pino-http's middleware gives every request it sees a logger.
      if ((request.raw as { log?: unknown }).log === undefined) {
        const line = {
          req: { id: request.id, method: request.method, url: request.url },
          // The raw response: the serializer reads its status once sent.
          res: reply.raw,
          responseTime: Math.round(reply.elapsedTime),
        };
        if (request.method === 'OPTIONS' && reply.statusCode < 400) {
          this.logger.debug(line, 'request completed');
        } else {
          this.logger.log(line, 'request completed');
        }
      }
      done();
    });
  }
}
