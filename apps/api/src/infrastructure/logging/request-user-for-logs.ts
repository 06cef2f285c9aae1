import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { fastifyOf } from '../http/fastify-of.js';

/**
 * Guards set `request.user` on Fastify's request, but pino-http writes the
 * request line from the raw Node request when the response finishes. Copy
 * the user over just before the reply is sent so that line carries `userId`.
 */
@Injectable()
export class RequestUserForLogs implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = fastifyOf(this.adapterHost);
    if (!fastify) return;
    fastify.addHook('onSend', (request, _reply, payload, done) => {
      const user = (request as { user?: unknown }).user;
      if (user !== undefined) (request.raw as { user?: unknown }).user = user;
      done(null, payload);
    });
  }
}
