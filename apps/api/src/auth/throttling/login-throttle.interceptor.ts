import { normalizeEmail } from '@minishop/domain';
import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';

import { rateLimitKey } from '../../infrastructure/http/client-ip.js';
import { type LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';

/**
 * Counts every login attempt, successful or not, per client IP and per
 * account, before any password is checked: over the limit the caller gets a
 * 429 with Retry-After and no argon2 work is spent on it. The per-account
 * limit stops password guessing against one account from many IPs; a
 * successful sign-in makes its address one the account's limit leaves to
 * its own count (see LoginRateLimiter).
 */
@Injectable()
export class LoginThrottleInterceptor implements NestInterceptor {
  private readonly logger = new Logger('LoginRateLimiter');

  constructor(private readonly limiter: LoginRateLimiter) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const body = request.body as { email?: unknown } | undefined;
    const attempt: LoginAttempt = {
      // Per client as the request rate limit counts them (an IPv6 client by its /64).
      ip: rateLimitKey(request.ip),
      email:
        typeof body?.email === 'string' && body.email.trim() !== ''
          ? normalizeEmail(body.email)
          : undefined,
    };
    const limited = await this.limiter.consume(attempt);
    if (limited) {
      void http
        .getResponse<FastifyReply>()
        .header('Retry-After', String(limited.retryAfterSeconds));
      throw new HttpException(
        `Too many login attempts; try again in ${limited.retryAfterSeconds} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const { email } = attempt;
    return next.handle().pipe(
      // Only a handler that returned signed someone in; a wrong password throws.
      mergeMap((session) =>
        from(
          email === undefined
            ? Promise.resolve(session)
            : this.limiter.signedIn({ ip: attempt.ip, email }).then(
                () => session,
                // The sign-in stands: the address is only not remembered.
                (error: unknown) => {
                  this.logger.warn(`Could not remember a signed-in address: ${String(error)}`);
                  return session;
                },
              ),
        ),
      ),
    );
  }
}
