import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';

import { AttemptThrottleInterceptor } from './attempt-throttle.interceptor.js';
import type { LoginAttempt } from './login-rate-limiter.js';
import { rememberedOnSuccess } from './sign-in-address.js';

/**
 * Counts every login attempt, successful or not, per client IP and per
 * account, before any password is checked: over the limit the caller gets a
 * 429 with Retry-After and no argon2 work is spent on it. The per-account
 * limit stops password guessing against one account from many IPs; a
 * successful sign-in makes its address one the account's limit leaves to
 * its own count (see LoginRateLimiter).
 */
@Injectable()
export class LoginThrottleInterceptor extends AttemptThrottleInterceptor {
  protected readonly attempts = 'login attempts';

  protected override allowed(attempt: LoginAttempt, reply: Observable<unknown>) {
    return rememberedOnSuccess(this.limiter, attempt, reply);
  }
}
