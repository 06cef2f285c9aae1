import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { addEarlyReply } from '../../infrastructure/http/early-replies.js';
import { CatalogCache } from '../cache/catalog-cache.js';
import { sendCached } from './send-cached.js';

/** A URL the Nest path has answered, with what it answered it from. */
interface KnownUrl {
  key: string;
  maxAgeSeconds: number;
}

/**
 * Serves cache hits of the public catalog reads (`GET /products`,
 * `/products/:idOrSlug`, `/categories`) from a Fastify `onRequest` hook,
 * before Nest's middleware, router, pipes (class-transformer and
 * class-validator on the query), guards and interceptors. On the hottest
 * route of the shop those cost several times what the hit itself does:
 * a hit needs only a cache lookup and a string send.
 *
 * Why the replies stay the same:
 * - The hook runs in the early-reply slot (early-replies.ts), after the
 *   request id, deadline, CORS and security-header hooks, so a hit carries
 *   the same headers; `onSend`/`onResponse` hooks (metrics) run as for any
 *   reply, and the route template is already known.
 * - It never parses or validates a query itself. It only knows URLs that the
 *   Nest path answered, mapped to the cache key the catalog services derived
 *   from the validated query (`remember`). A URL maps to one key for ever
 *   (the key is a pure function of the URL), so the map cannot go stale; an
 *   invalid URL is never learnt, so it still gets its 400 from Nest.
 * - The value comes from `CatalogCache` with the same key and generation as
 *   the services use: after `invalidate()` the lookup misses and the request
 *   falls through to Nest, which reloads and stores it.
 * - The reply is built by `sendCached`, the controller's own function.
 *
 * What differs: a hit skips the request log line, as health checks do (the
 * Nest path logs successful catalog reads at debug, see logging.module.ts).
 * At LOG_LEVEL debug or trace the fast path steps aside so every request is
 * logged.
 */
@Injectable()
export class CatalogFastPath implements OnApplicationBootstrap {
  private readonly logger = new Logger('CatalogFastPath');
  /** Bounded: a crawler walking every filter combination cannot grow it. */
  private readonly known = new LRUCache<string, KnownUrl>({ max: 10_000 });
  private readonly enabled: boolean;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: CatalogCache,
    config: AppConfig,
  ) {
    this.enabled = config.logLevel !== 'debug' && config.logLevel !== 'trace';
  }

  /** Called by the Nest path once it answered `req` from the cache entry `key`. */
  remember(req: FastifyRequest, key: string, maxAgeSeconds: number): void {
    if (this.enabled && req.method === 'GET') this.known.set(req.url, { key, maxAgeSeconds });
  }

  onApplicationBootstrap(): void {
    // The CLI and the worker have no HTTP adapter.
    const adapter = this.adapterHost.httpAdapter as { getInstance?: () => unknown } | undefined;
    const fastify = adapter?.getInstance?.() as FastifyInstance | undefined;
    if (!this.enabled || !fastify?.addHook) return;
    const serve = (req: FastifyRequest, reply: FastifyReply) => this.serve(req, reply);
    // Without the slot (an adapter not made by createAdapter), last of the
    // onRequest hooks still skips the Nest pipeline.
    if (!addEarlyReply(fastify, serve))
      fastify.addHook('onRequest', async (req, reply) => serve(req, reply));
  }

  private serve(
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> | FastifyReply | undefined {
    if (req.method !== 'GET') return undefined;
    const known = this.known.get(req.url);
    if (!known) return undefined;
    // An entry in process memory is answered synchronously: no promise at all.
    const near = this.cache.peek(known.key);
    if (near) return sendCached(req, reply, near, known.maxAgeSeconds);
    return this.hit(req, reply, known);
  }

  private async hit(
    req: FastifyRequest,
    reply: FastifyReply,
    known: KnownUrl,
  ): Promise<FastifyReply | undefined> {
    try {
      const { value } = await this.cache.get(known.key);
      return value ? sendCached(req, reply, value, known.maxAgeSeconds) : undefined;
    } catch (error) {
      // Never fail a request the Nest path could still answer.
      this.logger.warn({ err: error }, 'catalog fast path failed; serving through Nest');
      return undefined;
    }
  }
}
