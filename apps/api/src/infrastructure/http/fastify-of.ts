import type { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** The app's Fastify instance; undefined where there is no HTTP server (the CLI, the worker). */
export function fastifyOf(host: HttpAdapterHost): FastifyInstance | undefined {
  const adapter = host.httpAdapter as { getInstance?: () => unknown } | undefined;
  const fastify = adapter?.getInstance?.() as FastifyInstance | undefined;
  return fastify?.addHook ? fastify : undefined;
}
