import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

import type { FastifyReply, FastifyRequest } from 'fastify';

import { publicCacheControl } from '../../infrastructure/http/cache-control.js';
import type { FrontDoorReply } from '../../infrastructure/http/front-door.js';
import { appendHeaders } from '../../infrastructure/http/header-list.js';
import { namesEtag } from '../../infrastructure/http/if-none-match.js';
import type { CachedResponse } from '../cache/catalog-cache.js';
import {
  codedEtag,
  codingFor,
  CONTENT_CODINGS,
  type ContentCoding,
  encodedBody,
} from './cached-encodings.js';

/** A cached page's reply to one request: 200 with the page, or 304. */
interface CachedReply {
  status: 200 | 304;
  /** Vary names only what this reply adds (Accept-Encoding). */
  headers: string[];
  body: Buffer | undefined;
}

/** How a request asks for a cached page: which coding, and whether it has it already. */
function negotiate(cached: CachedResponse, request: IncomingHttpHeaders) {
  return {
    coding: codingFor(cached, request['accept-encoding']),
    notModified: matches(request['if-none-match'], cached.etag),
  };
}

/**
 * How long from `now` a shared cache may keep `cached`: the route's max-age,
 * but never past the server-side entry's own expiry. Sent as a full max-age,
 * a page fetched late in its entry's life would be kept downstream for up to
 * that long again, and a stock figure seen up to twice the TTL after it was
 * read. Counted as caches count an Age header (whole seconds gone, RFC 9111
 * §4.2.3), so a page just loaded says the full TTL. It changes once a
 * second at most, so a front-door reply is rebuilt no more often.
 */
export function maxAgeOf(cached: CachedResponse, maxAgeSeconds: number, now: number): number {
  const left = Math.ceil((cached.expiresAt - now) / 1000);
  return Math.max(0, Math.min(maxAgeSeconds, left));
}

/**
 * The reply to a request for a pre-serialised public catalog page: its
 * strong ETag, or 304 when the caller's If-None-Match names it; compressed
 * (br or gzip) when the caller accepts it. Both ways of sending a cached
 * page below build on this one, so the controller and the front door
 * answer byte for byte alike.
 */
function cachedReply(
  cached: CachedResponse,
  maxAgeSeconds: number,
  coding: ContentCoding | undefined,
  notModified: boolean,
): CachedReply {
  const headers = [
    // Shared caches may hold a reply as long as the server-side cache still
    // does (maxAgeOf). Through Fastify, this replaces the private default
    // (cache-control.ts).
    'Cache-Control',
    publicCacheControl(maxAgeSeconds),
    'ETag',
    codedEtag(cached.etag, coding),
    'Vary',
    'Accept-Encoding',
  ];
  if (notModified) return { status: 304, headers, body: undefined };
  headers.push('Content-Type', 'application/json; charset=utf-8');
  if (coding) headers.push('Content-Encoding', coding);
  return { status: 200, headers, body: encodedBody(cached, coding ?? 'identity') };
}

/** Sends a cached page through Fastify (the controller's way). */
export function sendCached(
  req: FastifyRequest,
  reply: FastifyReply,
  cached: CachedResponse,
  maxAgeSeconds: number,
): FastifyReply {
  const { coding, notModified } = negotiate(cached, req.headers);
  const maxAge = maxAgeOf(cached, maxAgeSeconds, Date.now());
  const { status, headers, body } = cachedReply(cached, maxAge, coding, notModified);
  // CORS has set Vary: Origin already; the page's Vary joins it on one field
  // line, folded as the front door folds it.
  const vary = reply.getHeader('vary');
  const head = vary === undefined ? [] : ['Vary', String(vary)];
  appendHeaders(head, headers);
  for (let i = 0; i < head.length; i += 2) void reply.header(head[i]!, head[i + 1]!);
  return reply.status(status).send(body);
}

/**
 * A cached page's front-door replies, one per coding and status, built on
 * first use and again whenever the max-age they say has changed.
 */
interface FrontDoorReplies {
  /** What they say (maxAgeOf). */
  maxAgeSeconds: number;
  route: string;
  replies: Partial<Record<string, FrontDoorReply>>;
}

// Cache entries are shared, immutable objects (see the cache adapters), so a
// reply built for one serves every later hit on the entry without allocating.
const frontDoorReplies = new WeakMap<CachedResponse, FrontDoorReplies>();

/**
 * The front door's reply with a cached page, framed as Fastify frames the
 * same reply: a Content-Length on a 200, none on a 304.
 */
export function cachedFrontDoorReply(
  req: IncomingMessage,
  cached: CachedResponse,
  maxAgeSeconds: number,
  route: string,
): FrontDoorReply {
  const { coding, notModified } = negotiate(cached, req.headers);
  const maxAge = maxAgeOf(cached, maxAgeSeconds, Date.now());
  let memo = frontDoorReplies.get(cached);
  if (!memo || memo.maxAgeSeconds !== maxAge || memo.route !== route) {
    memo = { maxAgeSeconds: maxAge, route, replies: {} };
    frontDoorReplies.set(cached, memo);
  }
  const variant = notModified ? `${coding ?? 'identity'} 304` : (coding ?? 'identity');
  let reply = memo.replies[variant];
  if (!reply) {
    const { status, headers, body } = cachedReply(cached, maxAge, coding, notModified);
    if (body) headers.push('Content-Length', String(body.length));
    memo.replies[variant] = reply = { route, status, headers, body };
  }
  return reply;
}

/** Whether If-None-Match names `etag` in any of its codings: each revalidates the same content. */
function matches(header: string | undefined, etag: string): boolean {
  return namesEtag(header, [etag, ...CONTENT_CODINGS.map((coding) => codedEtag(etag, coding))]);
}
