import 'reflect-metadata';

import { PROBLEM_CONTENT_TYPE } from '@minishop/contracts';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { errorCodes, fastify, type FastifyReply } from 'fastify';

import { AppModule } from './app.module.js';
import { uploadAdmission } from './auth/upload-admission.js';
import { IMPORT_MAX_BYTES } from './imports/catalog-import-source.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { MigrationRunner } from './infrastructure/database/migration-runner.js';
import { refuseUnacceptableRequests } from './infrastructure/http/accept.js';
import { limitBodyDepth } from './infrastructure/http/body-depth.js';
import { answerClientError } from './infrastructure/http/client-error.js';
import { clientIpResolver } from './infrastructure/http/client-ip.js';
import { configureApp } from './infrastructure/http/configure-app.js';
import { applyCors, CorsPolicy } from './infrastructure/http/cors.js';
import { acceptCsvBodies } from './infrastructure/http/csv-body.js';
import { FrontDoor } from './infrastructure/http/front-door.js';
import { setHeaderList } from './infrastructure/http/header-list.js';
import { frameworkProblem } from './infrastructure/http/problem-details.filter.js';
import { refuseEncodedBodies } from './infrastructure/http/request-content-encoding.js';
import { enforceRequestDeadline } from './infrastructure/http/request-deadline.js';
import { requestIdOf } from './infrastructure/http/request-id.js';
import { limitRequestRate, RequestRateLimit } from './infrastructure/http/request-rate-limit.js';
import {
  applySecurityHeaders,
  setSecurityHeaders,
} from './infrastructure/http/security-headers.js';
import { closeOnFailure } from './infrastructure/lifecycle/failed-start.js';
import { startupLogger } from './infrastructure/logging/startup-logger.js';

export function createAdapter(config: AppConfig): FastifyAdapter {
  const cors = new CorsPolicy(config.corsOrigins);
  const rateLimit = new RequestRateLimit(config.rateLimitPerMinute);
  const door = new FrontDoor({
    cors,
    rateLimit,
    clientIp: clientIpResolver(config.trustProxy),
    // A cache hit from Redis takes a millisecond or so; one still unanswered
    // after this goes the full way, whose deadline (enforceRequestDeadline)
    // starts when Fastify gets the request: at most this much later than a
    // request's arrival.
    answerTimeoutMs: config.catalogCacheWaitMs,
    // Slow or stalled requests must not hold a connection for ever. A slow
    // handler is answered 503 at requestTimeoutMs by enforceRequestDeadline,
    // counted from after that wait; the socket timeout is 5 s longer than
    // both, so that reply can still go out.
    requestTimeoutMs: config.requestTimeoutMs,
    connectionTimeoutMs: config.catalogCacheWaitMs + config.requestTimeoutMs + 5_000,
    // Node enforces requestTimeout only when it sweeps its connections, by
    // default every 30 s; sweep often enough that the limit means what it says.
    connectionsCheckingIntervalMs: Math.min(30_000, Math.max(250, config.requestTimeoutMs / 4)),
  });
  const instance = fastify({
    genReqId: (req) => requestIdOf(req.headers),
    bodyLimit: config.bodyLimitBytes,
    // The server is the front door's (cache hits are answered before Fastify).
    serverFactory: (handler) => door.server(handler),
    clientErrorHandler: answerClientError,
    // The front door refuses what comes during a close (a 503 problem
    // reply); Fastify's own refusal had a body of another shape.
    return503OnClosing: false,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // A URL the router rejects (malformed, over-long parameter) never reaches
    // the hooks nor the problem filter: its 400/414 gets the security and
    // CORS headers and its problem reply here.
    frameworkErrors: (error, request, reply) => {
      const raw = (reply as FastifyReply).raw;
      setSecurityHeaders(raw, request.id, request.url);
      setHeaderList(raw, cors.headersFor(request.headers.origin));
      const body = frameworkProblem(error, request.url);
      void (reply as FastifyReply)
        .code(body.status)
        .header('Content-Type', PROBLEM_CONTENT_TYPE)
        .send(body);
    },
  });
  // The API speaks JSON only: any other body type is a 415, not a string
  // that reaches validation.
  instance.removeContentTypeParser('text/plain');
  // The instance is made here, not by Nest's adapter, so that these hooks run
  // before the adapter's own. Order matters: every reply, refusals and
  // preflights included, carries the request id and security headers.
  applySecurityHeaders(instance);
  applyCors(instance, cors);
  enforceRequestDeadline(instance, config.requestTimeoutMs);
  limitBodyDepth(instance);
  limitRequestRate(instance, rateLimit);
  // Catalog import files (POST /admin/imports) arrive as the raw CSV body;
  // after the headers and the request limit, as its refusals (elsewhere, or
  // from a caller who may not upload) are replies like any other.
  acceptCsvBodies(instance, IMPORT_MAX_BYTES, uploadAdmission(config.jwtSecret));
  refuseEncodedBodies(instance);
  refuseUnacceptableRequests(instance);
  door.attach(instance);
  const adapter = new FastifyAdapter(instance);
  // Nest's adapter parses form bodies by default. Refused here instead: the
  // API takes JSON only, and a form is the one body a browser sends across
  // origins without a CORS preflight.
  adapter.useBodyParser(FORM_CONTENT_TYPE, false, undefined, () => {
    throw new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(FORM_CONTENT_TYPE);
  });
  return adapter;
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

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
    // A module that cannot be built is thrown to the entry point, which stops
    // an embedded PostgreSQL already started (failed-start.ts), instead of
    // Nest exiting the process on the spot.
    { bufferLogs: true, logger: startupLogger(), abortOnError: false },
  );
  return closeOnFailure(app, () => prepareHttpApp(app));
}
