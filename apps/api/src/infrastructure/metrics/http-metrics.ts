import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { fastifyOf } from '../http/fastify-of.js';
import { FrontDoor } from '../http/front-door.js';
import { MetricsService } from './metrics.service.js';

/** Requests that matched no route share one label, so scanners cannot grow the series. */
const UNMATCHED = 'unmatched';

/**
 * Times every HTTP request by method, route template and status. The label is
 * Fastify's route pattern (`/api/v1/products/:idOrSlug`), never the raw URL:
 * one series per route, whatever ids and query strings clients send.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const fastify = fastifyOf(this.adapterHost);
    if (!fastify) return;

    const duration = this.metrics.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    // One labelled child per method, route and status, looked up by a plain
    // string: prom-client would otherwise hash the label object on every
    // request. Bounded like the series themselves (route templates only).
    const children = new Map<string, { observe(value: number): void }>();
    const observe = (method: string, route: string, status: number, seconds: number): void => {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = duration.labels({ method, route, status: String(status) });
        children.set(key, child);
      }
      child.observe(seconds);
    };
    fastify.addHook('onResponse', (request, reply, done) => {
      observe(
        request.method,
        request.routeOptions.url ?? UNMATCHED,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
    // Replies sent before Fastify (cache hits) are timed by the front door.
    FrontDoor.of(fastify)?.observe(observe);
  }
}
