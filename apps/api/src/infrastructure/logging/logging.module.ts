import { randomUUID } from 'node:crypto';

import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import { AppConfig } from '../config/app-config.js';
import { serializeError } from './error-serializer.js';
import { LogDestination, stdoutLogDestination } from './log-destination.js';
import { RefusedRequestLog } from './refused-request-log.js';
import { RequestUserForLogs } from './request-user-for-logs.js';

const PUBLIC_CATALOG_READ = /^\/api\/v1\/(?:products|categories)(?:[/?]|$)/;

function requestPath(req: { url?: string; originalUrl?: string }): string {
  return req.originalUrl ?? req.url ?? '';
}

/**
 * JSON logs with the request id and, once authenticated, the user id on
 * every request line.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: LogDestination, useFactory: stdoutLogDestination }],
      inject: [AppConfig, LogDestination],
      useFactory: (config: AppConfig, destination: LogDestination) => ({
        pinoHttp: [
          {
            level: config.logLevel,
            // Fastify assigns the id (from X-Request-Id when sane, see bootstrap.ts);
            // pino-http reuses it so every log line and the reply header agree.
            genReqId: (req) => (req as { id?: string }).id ?? randomUUID(),
            // Tokens and secrets never reach the log.
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-cart-token"]',
                'req.headers["stripe-signature"]',
                'req.body.password',
                'req.body.refreshToken',
              ],
              censor: '[redacted]',
            },
            serializers: {
              req: (req: { id: unknown; method: unknown; url: unknown }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
              }),
              res: (res: { statusCode: unknown }) => ({ statusCode: res.statusCode }),
              err: serializeError,
            },
            customProps: (req) => {
              const user = (req as { user?: { id?: string } }).user;
              return user?.id ? { userId: user.id } : {};
            },
            // Nest mounts the middleware per route, and middie then hands it a
            // url relative to the mount point: the full path is originalUrl.
            autoLogging: { ignore: (req) => requestPath(req).startsWith('/health') },
            // The storefront's hot reads would drown the log: their successes
            // go at debug (cache hits served early are not logged at all, see
            // CatalogFastPath); their errors keep the usual levels.
            customLogLevel: (req, res, err) =>
              !err &&
              res.statusCode < 400 &&
              req.method === 'GET' &&
              PUBLIC_CATALOG_READ.test(requestPath(req))
                ? 'debug'
                : 'info',
          },
          destination,
        ],
      }),
    }),
  ],
  providers: [RequestUserForLogs, RefusedRequestLog],
})
export class LoggingModule {}
