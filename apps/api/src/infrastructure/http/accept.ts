import { PROBLEM_CONTENT_TYPE } from '@minishop/contracts';
import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import Negotiator from 'negotiator';

// What an API route replies with when it succeeds. Its failures are problem
// documents whatever Accept says (RFC 9110 lets an error reply ignore it), so
// a request must accept this one: `application/json;q=0, */*` refuses it.
const JSON_REPLY = ['application/json; charset=utf-8'];

// Accept values most callers send, answered without parsing: none at all
// (supertest, most server-side clients), fetch's and curl's default, the
// JSON clients' own, axios's default.
const ACCEPTS_JSON = new Set([
  '*/*',
  'application/json',
  'application/*',
  'application/json, text/plain, */*',
  'application/json, */*',
]);

// Real Accept values are a few hundred characters at most. Matching one
// costs time in proportion to its length, and a request can carry 16 KiB of
// headers: past this, the header is disregarded, as RFC 9110 (12.5.1) lets
// a server do, and the reply is the usual JSON.
const MAX_NEGOTIATED_LENGTH = 1024;

/**
 * Whether a request with this Accept header can be answered with JSON. An
 * absent or empty header states no preference.
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || ACCEPTS_JSON.has(accept)) return true;
  if (accept.length > MAX_NEGOTIATED_LENGTH || accept.trim() === '') return true;
  return new Negotiator({ headers: { accept } }).mediaType(JSON_REPLY) !== undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by IgnoresAccept and ignoreAcceptUnder. */
    ignoresAccept?: boolean;
  }
}

/** Marks operations of the OpenAPI document that never answer 406 (read by openapi.ts). */
export const IGNORES_ACCEPT_EXTENSION = 'x-ignores-accept';

/**
 * A route that serves what it serves whatever Accept says: one whose reply
 * is not JSON (a CSV file, Prometheus text), where a 406 would only turn a
 * download or a scrape that works into one that fails, or one whose caller
 * reads the status alone (Stripe's webhook deliveries, health probes), where
 * a 406 would be redelivered for days or take an instance out of service.
 * `config` is the route's other Fastify config: a route has one RouteConfig.
 */
export function IgnoresAccept(config: Record<string, unknown> = {}): MethodDecorator {
  return applyDecorators(
    RouteConfig({ ...config, ignoresAccept: true }),
    ApiExtension(IGNORES_ACCEPT_EXTENSION, true),
  );
}

/**
 * Marks the routes at `prefix` and below as IgnoresAccept, for routes made
 * outside a controller (Swagger UI's page, scripts and styles, the OpenAPI
 * documents, which tools may ask for as application/vnd.oai.openapi+json).
 * Call it before those routes are registered.
 */
export function ignoreAcceptUnder(fastify: FastifyInstance, prefix: string): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url === prefix || route.url.startsWith(`${prefix}/`)) {
      route.config = { ...route.config, ignoresAccept: true };
    }
  });
}

/**
 * Refuses, with a 406 problem reply (whose own body is problem+json whatever
 * Accept says, as RFC 9110 15.5.7 allows) and before any handler runs, a
 * request whose Accept rules out everything the route can reply: before,
 * the header was never read, and `Accept: image/png` got a 200 in JSON, and
 * a write made with it was carried out. An unknown route stays a 404.
 */
export function refuseUnacceptableRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (acceptsJson(request.headers.accept)) return done();
    const { url, config } = request.routeOptions;
    if (url === undefined || config.ignoresAccept) return done();
    done(
      Object.assign(
        new Error(
          'Accept rules out every reply this route can give: send Accept: application/json ' +
            `(failures are ${PROBLEM_CONTENT_TYPE}), or none`,
        ),
        { statusCode: 406, code: 'NOT_ACCEPTABLE' },
      ),
    );
  });
}
