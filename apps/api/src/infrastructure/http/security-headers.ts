import type { IncomingMessage, ServerResponse } from 'node:http';

import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

import { PRIVATE_CACHE_CONTROL } from './cache-control.js';
import { type HeaderList, setHeaderList } from './header-list.js';

/**
 * JSON replies carry the set the OWASP REST Security Cheat Sheet asks of an
 * API. A JSON reply is never rendered as a page, so the rest of helmet's
 * set (script sources, DNS prefetch, download options, ...) would only add
 * a kilobyte to every reply; the CSP here forbids any use as a page at all.
 */
const API_HEADERS: HeaderList = [
  'Content-Security-Policy',
  "default-src 'none'; frame-ancestors 'none'",
  'Strict-Transport-Security',
  'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options',
  'nosniff',
  'X-Frame-Options',
  'DENY',
  'Referrer-Policy',
  'no-referrer',
];

/**
 * What a reply through Fastify starts with: the set above and the private
 * caching default, which the public catalog pages replace (cache-control.ts).
 * The front door's replies, all public pages, take API_HEADERS alone.
 */
export const API_REPLY_HEADERS: HeaderList = [...API_HEADERS, ...PRIVATE_CACHE_CONTROL];

/** The Swagger UI pages are real pages: helmet's full set, with what the UI needs. */
const DOCS_HELMET_OPTIONS: HelmetOptions = {
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

const DOCS = /^\/docs(?:[/?.]|$)/;

/**
 * The headers helmet sets with `options`, worked out once: they depend on
 * nothing in the request, yet `@fastify/helmet` builds a new helmet
 * middleware (parsing the CSP directives again) for every request.
 */
export function helmetHeaders(options: HelmetOptions): HeaderList {
  const headers: string[] = [];
  const collector = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push(name, String(value));
    },
    removeHeader() {
      // helmet removes X-Powered-By, which nothing here sets.
    },
  };
  helmet(options)({} as IncomingMessage, collector as unknown as ServerResponse, () => undefined);
  return headers;
}

/** The security headers of a reply to `url` sent before Fastify (the front door's). */
export function securityHeadersFor(url: string): HeaderList {
  return DOCS.test(url) ? docsHeaders() : API_HEADERS;
}

let docs: HeaderList | undefined;
function docsHeaders(): HeaderList {
  docs ??= helmetHeaders(DOCS_HELMET_OPTIONS);
  return docs;
}

/**
 * Echoes the request id and sets the security headers of a reply to `url`
 * sent by Fastify, with `Cache-Control: no-store` on all but the docs.
 */
export function setSecurityHeaders(res: ServerResponse, requestId: string, url: string): void {
  res.setHeader('X-Request-Id', requestId);
  setHeaderList(res, DOCS.test(url) ? docsHeaders() : API_REPLY_HEADERS);
}

/**
 * Sets the security headers and echoes the request id on every reply, in
 * one synchronous hook: each hook and each promise is paid on every request
 * of the hottest routes.
 */
export function applySecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(reply.raw, request.id, request.url);
    done();
  });
}
