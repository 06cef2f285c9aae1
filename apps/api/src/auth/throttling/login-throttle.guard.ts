import { normalizeEmail } from '@minishop/domain';
import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { rateLimitKey } from '../../infrastructure/http/client-ip.js';
import { LoginRateLimiter } from './login-rate-limiter.js';

/**
 * Counts every login attempt, successful or not, per client IP and per
 * e-mail, before any password is checked: over the limit the caller gets a
 * 429 with Retry-After and no argon2 work is spent on it. The per-e-mail
 * limit stops password guessing against one account from many IPs.
 */
@Injectable()
export class LoginThrottleGuard implements CanActivate {
  constructor(private readonly limiter: LoginRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const body = request.body as { email?: unknown } | undefined;
    const email =
      typeof body?.email === 'string' && body.email.trim() !== ''
        ? normalizeEmail(body.email)
        : undefined;
    // Per client as the request rate limit counts them (an IPv6 client by its /64).
    const limited = await this.limiter.consume({ ip: rateLimitKey(request.ip), email });
    if (!limited) return true;
    void http.getResponse<FastifyReply>().header('Retry-After', String(limited.retryAfterSeconds));
    throw new HttpException(
      `Too many login attempts; try again in ${limited.retryAfterSeconds} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
