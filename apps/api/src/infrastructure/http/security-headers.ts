import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      // Swagger UI uses inline styles/scripts and data: images.
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
    },
  },
};

/**
 * The headers helmet sets with HELMET_OPTIONS, worked out once. They depend
 * on nothing in the request, yet `@fastify/helmet` builds a new helmet
 * middleware (parsing the CSP directives again) for every request: on a
 * cached catalog read that was about a tenth of the CPU time.
 */
export function securityHeaders(): [string, string][] {
  const headers: [string, string][] = [];
  const collector = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, String(value)]);
    },
    removeHeader() {
      // helmet removes X-Powered-By, which nothing here sets.
    },
  };
  helmet(HELMET_OPTIONS)(
    {} as IncomingMessage,
    collector as unknown as ServerResponse,
    () => undefined,
  );
  return headers;
}

/** Sets helmet's security headers on every reply, as `@fastify/helmet` did, at a fraction of the cost. */
export function applySecurityHeaders(fastify: FastifyInstance): void {
  const headers = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    done();
  });
}
