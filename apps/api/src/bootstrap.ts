import 'reflect-metadata';

import { randomUUID } from 'node:crypto';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { fastify, type FastifyReply } from 'fastify';

import { AppModule } from './app.module.js';
import { IMPORT_MAX_BYTES } from './imports/catalog-import-source.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { MigrationRunner } from './infrastructure/database/migration-runner.js';
import { limitBodyDepth } from './infrastructure/http/body-depth.js';
import { configureApp } from './infrastructure/http/configure-app.js';
import { applyCors } from './infrastructure/http/cors.js';
import { installEarlyReplies } from './infrastructure/http/early-replies.js';
import { enforceRequestDeadline } from './infrastructure/http/request-deadline.js';
import { limitRequestRate } from './infrastructure/http/request-rate-limit.js';
import {
  applySecurityHeaders,
  setSecurityHeaders,
} from './infrastructure/http/security-headers.js';

const REQUEST_ID = /^[\w-]{1,128}$/;

export function createAdapter(config: AppConfig): FastifyAdapter {
  const instance = fastify({
    // The caller's X-Request-Id when it is sane, else a fresh UUID; echoed
    // back so a client can quote it when reporting a problem.
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    // Slow or stalled requests must not hold a connection for ever. A slow
    // handler is answered 503 at requestTimeoutMs by enforceRequestDeadline;
    // the socket timeout is a little longer so that reply can still go out.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs + 5_000,
    // Node enforces requestTimeout only when it sweeps its connections, by
    // default every 30 s; sweep often enough that the limit means what it says.
    http: {
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, config.requestTimeoutMs / 4)),
    },
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // A URL the router rejects (malformed, over-long parameter) never reaches
    // the hooks: its 400/414 gets the security headers here.
    frameworkErrors: (error, request, reply) => {
      setSecurityHeaders(request, reply as FastifyReply);
      void (reply as FastifyReply).send(error);
    },
  });
  // The API speaks JSON only: any other body type is a 415, not a string
  // that reaches validation.
  instance.removeContentTypeParser('text/plain');
  // Catalog import files (POST /admin/imports) arrive as the raw CSV body.
  instance.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: IMPORT_MAX_BYTES },
    (_req, body, done) => done(null, body),
  );
  // The instance is made here, not by Nest's adapter, so that these hooks run
  // before the adapter's own: the catalog's cache hits (early replies) then
  // cost only what they need. Order matters: every reply, refusals and
  // preflights included, carries the request id and security headers.
  applySecurityHeaders(instance);
  applyCors(instance, config.corsOrigins);
  enforceRequestDeadline(instance, config.requestTimeoutMs);
  limitBodyDepth(instance);
  // Cache hits answered early still count against the client's budget.
  limitRequestRate(instance, config.rateLimitPerMinute);
  installEarlyReplies(instance);
  return new FastifyAdapter(instance);
}

/** Configures and migrates a built app; shared with the e2e tests' testing module. */
export async function prepareHttpApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  await configureApp(app);
  await app.get(MigrationRunner).run();
  await app.init();
  return app;
}

/** Builds the HTTP app, migrated and configured but not yet listening. */
export async function createHttpApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    createAdapter(config),
    { bufferLogs: true },
  );
  return prepareHttpApp(app);
}
