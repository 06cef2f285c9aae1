import { randomUUID } from 'node:crypto';

import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

import { AppConfig } from '../config/app-config.js';
import { LogDestination, stdoutLogDestination } from './log-destination.js';
import { RequestUserForLogs } from './request-user-for-logs.js';

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
            },
            customProps: (req) => {
              const user = (req as { user?: { id?: string } }).user;
              return user?.id ? { userId: user.id } : {};
            },
            autoLogging: { ignore: (req) => req.url?.startsWith('/health') === true },
          },
          destination,
        ],
      }),
    }),
  ],
  providers: [RequestUserForLogs],
})
export class LoggingModule {}
