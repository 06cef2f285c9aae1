import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

import { refuseOverLimit } from './attempt-limit.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { attemptOf, rememberedOnSuccess } from './sign-in-address.js';

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
  constructor(private readonly limiter: LoginRateLimiter) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const attempt = attemptOf(http.getRequest<FastifyRequest>());
    await refuseOverLimit(
      this.limiter,
      attempt,
      http.getResponse<FastifyReply>(),
      'login attempts',
    );
    return rememberedOnSuccess(this.limiter, attempt, next.handle());
  }
}
