import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AttemptThrottleInterceptor } from './attempt-throttle.interceptor.js';
import type { LoginAttempt } from './login-rate-limiter.js';
import { attemptOf } from './sign-in-address.js';

/**
 * Reset requests count on the login limits, per address and per account:
 * nobody can flood a mailbox with reset mails, or an address with requests.
 * Unlike a login, a request proves nothing about the address, so it is not
 * remembered as one that signed in.
 */
@Injectable()
export class PasswordResetThrottleInterceptor extends AttemptThrottleInterceptor {
  protected readonly attempts = 'password reset attempts';
}

/**
 * Confirmations name no account: they count per address only, whatever
 * the body holds (an `email` there is refused by validation, after this,
 * and must not charge that account's budget).
 */
@Injectable()
export class PasswordResetConfirmThrottleInterceptor extends AttemptThrottleInterceptor {
  protected readonly attempts = 'password reset attempts';

  protected override attemptOf(request: FastifyRequest): LoginAttempt {
    return { ip: attemptOf(request).ip, email: undefined };
  }
}
