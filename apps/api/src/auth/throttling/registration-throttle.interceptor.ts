import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';

import { AttemptThrottleInterceptor } from './attempt-throttle.interceptor.js';
import type { LoginAttempt } from './login-rate-limiter.js';
import { rememberedOnSuccess } from './sign-in-address.js';

/**
 * Counts every registration per client address before the handler runs:
 * over the limit the caller gets a 429 with Retry-After, and no password
 * is hashed nor anything written. Each registration costs an argon2 hash,
 * which every login waits behind; without this one address could keep the
 * hashing busy for everyone. Its own budget, not the address's logins:
 * signing up guesses no password, and must not lock a household out of
 * signing in. A registration signs its new account in, so its address
 * becomes one the account's login limit leaves to its own count, as a
 * login's does.
 */
@Injectable()
export class RegistrationThrottleInterceptor extends AttemptThrottleInterceptor {
  protected readonly attempts = 'registrations from this address';

  protected override consume(attempt: LoginAttempt) {
    return this.limiter.consumeRegistration(attempt.ip);
  }

  protected override allowed(attempt: LoginAttempt, reply: Observable<unknown>) {
    return rememberedOnSuccess(this.limiter, attempt, reply);
  }
}
