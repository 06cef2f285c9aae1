import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';

import { LoginRateLimiter } from './login-rate-limiter.js';
import { attemptOf, rememberedOnSuccess } from './sign-in-address.js';

/**
 * For a route that signs a new account in (register): its address becomes
 * one the account's login limit leaves to its own count, as a login's does.
 */
@Injectable()
export class SignInAddressInterceptor implements NestInterceptor {
  constructor(private readonly limiter: LoginRateLimiter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const attempt = attemptOf(context.switchToHttp().getRequest<FastifyRequest>());
    return rememberedOnSuccess(this.limiter, attempt, next.handle());
  }
}
