import type { IncomingMessage } from 'node:http';

import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { FrontDoor, type FrontDoorAnswer } from '../../infrastructure/http/front-door.js';
import { CatalogCache, isPage, type PendingLookup } from '../cache/catalog-cache.js';
import { cachedFrontDoorReply } from './send-cached.js';

/** A URL the Nest path has answered, with what it answered it from. */
interface KnownUrl {
  key: string;
  maxAgeSeconds: number;
  /** Its route template, for the metrics. */
  route: string;
}

/**
 * Serves cache hits of the public catalog reads (`GET /products`,
 * `/products/:idOrSlug`, `/categories`) at the HTTP server's front door,
 * before Fastify and Nest: before routing, hooks, Nest's middleware, pipes
 * (class-transformer and class-validator on the query), guards and
 * interceptors. On the hottest route of the shop those cost several times
 * what the hit itself does: a hit needs only a cache lookup and a send of
 * bytes encoded once.
 *
 * Why the replies stay the same:
 * - The front door sets the request id, security, CORS and rate-limit
 *   headers with the code Fastify's hooks use, and records the reply in the
 *   HTTP metrics under the route template the Nest path matched.
 * - It never parses or validates a query itself. It only knows URLs that the
 *   Nest path answered, mapped to the cache key the catalog services derived
 *   from the validated query (`remember`). A URL maps to one key for ever
 *   (the key is a pure function of the URL), so the map cannot go stale; an
 *   invalid URL is never learnt, so it still gets its 400 from Nest.
 * - The value comes from the cache with the same key and generation as the
 *   services use: after `invalidate()` the lookup misses and the request
 *   goes through Nest, which reloads and stores it. An entry in process
 *   memory (`peek`) is answered at once. One only in Redis (the near cache
 *   is off while its subscription is down, or was just emptied by another
 *   instance's invalidation) is looked up there (`lookup`, which also
 *   refills the near cache); a miss, a Redis error or a Redis that is not
 *   connected or too slow sends the request through Nest, as before. Nest
 *   then takes that lookup over (`lookupOf`) instead of asking Redis again:
 *   a miss costs one round trip, and a Redis too slow for the door is
 *   waited for once, within its command timeout, not twice.
 * - The reply is built by `cachedFrontDoorReply`, which shares its headers, ETags and
 *   codings with the controller's `sendCached`.
 *
 * What differs: a hit skips the request log line, as health checks do (the
 * Nest path logs successful catalog reads at debug, see logging.module.ts).
 * At LOG_LEVEL debug or trace the fast path steps aside so every request is
 * logged.
 */
@Injectable()
export class CatalogFastPath implements OnApplicationBootstrap {
  /** Bounded: a crawler walking every filter combination cannot grow it. */
  private readonly known = new LRUCache<string, KnownUrl>({ max: 10_000 });
  /** The lookup each request was answered from or handed on after; gone with the request. */
  private readonly lookups = new WeakMap<IncomingMessage, PendingLookup>();
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
    if (this.enabled && req.method === 'GET')
      this.known.set(req.url, { key, maxAgeSeconds, route: req.routeOptions.url ?? req.url });
  }

  /**
   * The cache lookup made for `req` at the front door, if one was, for the
   * Nest path to take over (see `CachedReads.read`) rather than look up again.
   */
  lookupOf(req: FastifyRequest): PendingLookup | undefined {
    return this.lookups.get(req.raw);
  }

  onApplicationBootstrap(): void {
    if (this.enabled) FrontDoor.ofApp(this.adapterHost)?.answer((req) => this.answer(req));
  }

  private answer(req: IncomingMessage): FrontDoorAnswer {
    const known = this.known.get(req.url ?? '');
    if (!known) return undefined;
    const { key, maxAgeSeconds, route } = known;
    const near = this.cache.peek(key);
    // An absence (the product went, or its slug moved) is Nest's to answer:
    // its 404 or redirect is not sent from here.
    if (near)
      return isPage(near) ? cachedFrontDoorReply(req, near, maxAgeSeconds, route) : undefined;
    const result = this.cache.lookup(key);
    if (!result) return undefined;
    this.lookups.set(req, { key, result });
    return result.then(({ value }) =>
      value && isPage(value) ? cachedFrontDoorReply(req, value, maxAgeSeconds, route) : undefined,
    );
  }
}
