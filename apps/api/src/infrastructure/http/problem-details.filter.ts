import type { FieldErrorDto, ProblemDto } from '@minishop/contracts';
import { PROBLEM_CONTENT_TYPE } from '@minishop/contracts';
import {
  ConflictError,
  DependencyUnavailableError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
  UnauthenticatedError,
} from '@minishop/domain';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';

import { pgErrorOf } from '../database/pg-errors.js';
import { problem } from './problem.js';
import { RequestAlreadyAnsweredError } from './request-deadline-scope.js';
import { RequestValidationException } from './validation.exception.js';

/** Domain error families and the HTTP status each stands for. */
const DOMAIN_STATUS: [abstract new (...args: never[]) => DomainError, number][] = [
  [InvalidInputError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [RuleViolationError, 422],
  [DependencyUnavailableError, 503],
];

// PostgreSQL and driver signs that the database is unreachable, restarting
// or terminated our session: the request can be retried later (503), it is
// not a bug in the request or in us.
const PG_UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '53300',
]);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

function databaseUnavailable(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    severity?: unknown;
    driverError?: { code?: unknown; severity?: unknown };
    message?: unknown;
  };
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  if (PG_UNAVAILABLE.has(code) || NET_UNAVAILABLE.has(code)) return true;
  // FATAL ends the session, whatever the code: e.g. 55000 "database is not
  // currently accepting connections" (ALLOW_CONNECTIONS false during
  // maintenance) when the pool opens a new connection.
  if ((e?.driverError?.severity ?? e?.severity) === 'FATAL') return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i.test(
    message,
  );
}

interface Mapped {
  status: number;
  type: string;
  detail: string;
  title?: string;
  errors?: FieldErrorDto[];
  checks?: Record<string, unknown>;
  retryAfter?: number;
}

/**
 * The single place where errors become HTTP replies: every error, from a
 * domain rule to a malformed body to an unknown route, leaves as RFC 9457
 * problem+json. Anything unrecognised is a 500 whose detail says nothing
 * about the internals; the log has the cause.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (error instanceof RequestAlreadyAnsweredError) {
      // The 503 went out at the deadline; this only says what became of the work.
      this.logger.warn({ url: request?.url }, error.message);
      return;
    }
    const mapped = this.map(error);
    // The request's own line gets the user once it is written; this one is
    // written before, so it says who too.
    const userId = (request as { user?: { id?: unknown } } | undefined)?.user?.id;
    const who = typeof userId === 'string' ? { userId } : {};
    if (shedLoad(error)) {
      // Turned away on purpose, with a Retry-After: a flood of them is the
      // load the refusal protects against, not a fault to page anyone for.
      this.logger.warn({ url: request?.url, code: error.code, ...who }, error.message);
    } else if (mapped.status >= 500) {
      this.logger.error({ err: error, url: request?.url, ...who }, 'request failed');
    }
    const { checks, retryAfter, ...rest } = mapped;
    const body: ProblemDto & { checks?: unknown } = {
      ...problem({ ...rest, instance: request?.url?.split('?')[0] ?? '' }),
      ...(checks ? { checks } : {}),
    };
    if (reply.sent) return;
    if (mapped.status === 401 && !reply.getHeader('www-authenticate')) {
      reply.header('WWW-Authenticate', 'Bearer');
    }
    if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
    if (mapped.status === 503 && !reply.getHeader('retry-after')) reply.header('Retry-After', '5');
    void reply.status(mapped.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private map(error: unknown): Mapped {
    if (error instanceof RequestValidationException) {
      return {
        status: 400,
        type: 'validation',
        title: 'Validation failed',
        detail: error.message,
        errors: error.fieldErrors,
      };
    }
    if (error instanceof DomainError) {
      const status = DOMAIN_STATUS.find(([cls]) => error instanceof cls)?.[1] ?? 422;
      return {
        status,
        type: error.code.toLowerCase().replace(/[._]/g, '-'),
        detail: error.message,
        ...(error.fields.length > 0 ? { errors: [...error.fields] } : {}),
        ...(error.retryAfterSeconds !== undefined ? { retryAfter: error.retryAfterSeconds } : {}),
      };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const response = error.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : Array.isArray((response as { message?: unknown }).message)
            ? (response as { message: string[] }).message.join('; ')
            : String((response as { message?: unknown }).message ?? error.message);
      if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(message)) {
        return { status, type: 'route-not-found', detail: `No route for ${message.slice(7)}` };
      }
      // Terminus' readiness failure: keep which checks failed.
      const checks = (response as { details?: Record<string, unknown> }).details;
      if (status === 503 && checks) {
        const down = Object.entries(checks).filter(
          ([, v]) => (v as { status?: string }).status !== 'up',
        );
        return {
          status,
          type: 'unavailable',
          // Terminus also answers 503 with every check up once shutdown has begun.
          detail:
            down.length > 0
              ? `Not ready: ${down.map(([k]) => k).join(', ')} down`
              : 'Not ready: shutting down',
          checks,
        };
      }
      return { status, type: typeForStatus(status), detail: message };
    }
    if (error instanceof QueryFailedError && !databaseUnavailable(error)) {
      const { code } = pgErrorOf(error);
      // A constraint the use case did not anticipate: the request conflicts
      // with stored data. Still a 4xx, but the log says which one.
      if (code === '23505')
        return {
          status: 409,
          type: 'conflict',
          detail: 'A resource with these values already exists',
        };
      if (code === '23503')
        return { status: 409, type: 'conflict', detail: 'A referenced resource does not exist' };
      // A text value PostgreSQL cannot hold, in practice U+0000 (valid JSON,
      // refused by every text column and parameter, 22021, and by jsonb as
      // an escape, 22P05): the client's input. The validation pipe and the
      // webhook check refuse it first; this covers any other way in.
      if (code === '22021' || code === '22P05')
        return {
          status: 400,
          type: 'bad-request',
          detail: 'The request contains a character that cannot be stored (such as U+0000)',
        };
    }
    if (databaseUnavailable(error)) {
      return {
        status: 503,
        type: 'unavailable',
        detail: 'The database is unavailable; try again shortly',
      };
    }
    const status = clientStatus(error);
    if (status !== undefined) {
      return { status, type: typeForStatus(status), detail: fastifyDetail(error, status) };
    }
    return { status: 500, type: 'internal', detail: 'An unexpected error occurred' };
  }
}

/** A dependency refusing more work for now, and saying when to come back. */
function shedLoad(error: unknown): error is DependencyUnavailableError {
  return error instanceof DependencyUnavailableError && error.retryAfterSeconds !== undefined;
}

/**
 * The problem reply for an error Fastify answers before this filter is in
 * place: a URL its router rejects (malformed escapes, a parameter over the
 * length limit) is handled by a context made with the instance, before Nest
 * installs its error handler.
 */
export function frameworkProblem(error: unknown, url: string): ProblemDto {
  const status = clientStatus(error) ?? 400;
  return problem({
    status,
    type: typeForStatus(status),
    detail: fastifyDetail(error, status),
    instance: url.split('?')[0] ?? '',
  });
}

/** Fastify's own 4xx errors (body parsing, size, media type) carry a statusCode. */
function clientStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function fastifyDetail(error: unknown, status: number): string {
  const code = (error as { code?: unknown }).code;
  if (status === 413) return 'The request body is larger than the server accepts';
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return 'Unsupported Content-Type; send application/json';
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return 'The request body is empty but Content-Type is application/json';
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : 'The request could not be processed';
}

function typeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'bad-request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 406:
      return 'not-acceptable';
    case 409:
      return 'conflict';
    case 413:
      return 'payload-too-large';
    case 415:
      return 'unsupported-media-type';
    case 422:
      return 'unprocessable';
    case 429:
      return 'rate-limited';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : 'request-error';
  }
}
