import { type INestApplication, RequestMethod } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import fastifyRawBody from 'fastify-raw-body';
import { Logger } from 'nestjs-pino';

import { ignoreAcceptUnder } from './accept.js';
import { BodilessRouteInterceptor } from './bodiless-route.interceptor.js';
import { buildOpenApiDocument } from './openapi.js';
import { serveOpenApiDocuments } from './openapi-documents.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { ReplyLocationInterceptor } from './reply-location.js';
import { createValidationPipe } from './validation.exception.js';

export const API_PREFIX = 'api/v1';
const DOCS_PATH = 'docs';

/** `/api/v1` for every route but the operational ones. */
export function setGlobalPrefix(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
}

/**
 * Everything that turns the Nest app into the minishop HTTP API, shared by
 * `serve-http.ts` and the e2e tests so they exercise the same stack.
 */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  app.useLogger(app.get(Logger));
  setGlobalPrefix(app);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(
    new BodilessRouteInterceptor(),
    new ReplyLocationInterceptor(API_PREFIX),
  );
  // Signals are handled by serve-http.ts (graceful shutdown with a grace period),
  // not by Nest's shutdown hooks, which re-raise the signal after closing.

  // Keeps the exact request bytes only on routes that ask for them
  // (`@RouteConfig({ rawBody: true })`): Stripe signs the raw webhook body.
  await app.register(fastifyRawBody, { global: false, encoding: 'utf8', runFirst: true });
  // Security headers and CORS are set by createAdapter (bootstrap.ts).

  // Built on the first request for /docs or its documents, not at start:
  // scanning every controller and DTO costs start time and several MiB of
  // heap that a process never asked for its docs would carry for nothing.
  let document: OpenAPIObject | undefined;
  const built = () => (document ??= buildOpenApiDocument(app));
  // HTML, scripts, styles, YAML: the docs serve their own types.
  ignoreAcceptUnder(app.getHttpAdapter().getInstance(), `/${DOCS_PATH}`);
  SwaggerModule.setup(DOCS_PATH, app, built, {
    // The documents are served by serveOpenApiDocuments, serialised once.
    raw: false,
    customSiteTitle: 'minishop API',
  });
  serveOpenApiDocuments(app, built);
}
