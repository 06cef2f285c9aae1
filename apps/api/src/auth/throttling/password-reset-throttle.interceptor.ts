import { Injectable } from '@nestjs/common';

import { AttemptThrottleInterceptor } from './attempt-throttle.interceptor.js';

/**
 * Reset requests count on the login limits, per address and per account:
 * nobody can flood a mailbox with reset mails, or an address with requests.
 * Confirmations name no account and count per address only. Unlike a
 * login, neither proves the address is the owner's, so it is not
 * remembered as one that signed in.
 */
@Injectable()
export class PasswordResetThrottleInterceptor extends AttemptThrottleInterceptor {
  protected readonly attempts = 'password reset attempts';
}
