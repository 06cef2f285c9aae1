import { normalizeEmail } from '@minishop/domain';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

import { rateLimitKey } from '../../infrastructure/http/client-ip.js';
import type { AuthenticatedUser } from '../authenticated-user.js';
import { UserRepository } from '../user.repository.js';
import { refuseOverLimit } from './attempt-limit.js';
import { LoginRateLimiter } from './login-rate-limiter.js';

/**
 * A password change checks the current password: it counts on the login
 * limits of the account's e-mail, so a stolen access token buys no extra
 * guesses at it. Runs after the guards: the caller is signed in.
 */
@Injectable()
export class PasswordChangeThrottleInterceptor implements NestInterceptor {
  constructor(
    private readonly limiter: LoginRateLimiter,
    private readonly users: UserRepository,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user: AuthenticatedUser }>();
    const account = await this.users.findById(request.user.id);
    await refuseOverLimit(
      this.limiter,
      // A vanished account fails in the service; only the address counts here.
      { ip: rateLimitKey(request.ip), email: account ? normalizeEmail(account.email) : undefined },
      http.getResponse<FastifyReply>(),
      'password attempts',
    );
    return next.handle();
  }
}
