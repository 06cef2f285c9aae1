import { normalizeEmail } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { rateLimitKey } from '../../infrastructure/http/client-ip.js';
import type { AuthenticatedUser } from '../authenticated-user.js';
import { UserRepository } from '../user.repository.js';
import { AttemptThrottleInterceptor } from './attempt-throttle.interceptor.js';
import { type LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';

/**
 * A password change checks the current password: it counts on the login
 * limits of the account's e-mail, so a stolen access token buys no extra
 * guesses at it. Runs after the guards: the caller is signed in.
 */
@Injectable()
export class PasswordChangeThrottleInterceptor extends AttemptThrottleInterceptor {
  protected readonly attempts = 'password attempts';

  constructor(
    limiter: LoginRateLimiter,
    private readonly users: UserRepository,
  ) {
    super(limiter);
  }

  protected override async attemptOf(
    request: FastifyRequest & { user?: AuthenticatedUser },
  ): Promise<LoginAttempt> {
    const account = request.user && (await this.users.findById(request.user.id));
    // A vanished account fails in the service; only the address counts here.
    return {
      ip: rateLimitKey(request.ip),
      email: account ? normalizeEmail(account.email) : undefined,
    };
  }
}
