import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

import { type LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';
import { attemptOf } from './sign-in-address.js';

/**
 * Counts one attempt at an account's password (a login, a password change)
 * or its mailbox (a reset) on the login limits, before the handler runs:
 * over them the caller gets a 429 with Retry-After, and no password is
 * checked, nor mail sent. One budget for all: a password guessed through
 * one route is not guessed again, for free, through another. A route with
 * a budget of its own (registration) says so in `consume`.
 */
// Injectable for its constructor's parameter types, which subclasses without
// a constructor of their own inherit.
@Injectable()
export abstract class AttemptThrottleInterceptor implements NestInterceptor {
  /** What the 429 says there were too many of. */
  protected abstract readonly attempts: string;

  constructor(protected readonly limiter: LoginRateLimiter) {}

  /** The address and account of the request; by default the body's `email`. */
  protected attemptOf(request: FastifyRequest): Promise<LoginAttempt> | LoginAttempt {
    return attemptOf(request);
  }

  /** Counts the attempt: null when allowed, else how long to wait. */
  protected consume(attempt: LoginAttempt): Promise<{ retryAfterSeconds: number } | null> {
    return this.limiter.consume(attempt);
  }

  /** The handler's reply, once allowed; a login remembers its address here. */
  protected allowed(_attempt: LoginAttempt, reply: Observable<unknown>): Observable<unknown> {
    return reply;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const attempt = await this.attemptOf(http.getRequest<FastifyRequest>());
    const limited = await this.consume(attempt);
    if (limited) {
      void http
        .getResponse<FastifyReply>()
        .header('Retry-After', String(limited.retryAfterSeconds));
      throw new HttpException(
        `Too many ${this.attempts}; try again in ${limited.retryAfterSeconds} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return this.allowed(attempt, next.handle());
  }
}
