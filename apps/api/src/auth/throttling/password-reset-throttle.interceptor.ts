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
import { attemptOf } from './sign-in-address.js';

/**
 * Reset requests count on the login limits, per address and per account:
 * nobody can flood a mailbox with reset mails, or an address with requests.
 * Confirmations name no account and count per address only. Unlike a
 * login, neither proves the address is the owner's, so it is not
 * remembered as one that signed in.
 */
@Injectable()
export class PasswordResetThrottleInterceptor implements NestInterceptor {
  constructor(private readonly limiter: LoginRateLimiter) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const attempt = attemptOf(http.getRequest<FastifyRequest>());
    await refuseOverLimit(
      this.limiter,
      attempt,
      http.getResponse<FastifyReply>(),
      'password reset attempts',
    );
    return next.handle();
  }
}
