import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import type { LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';

/**
 * Counts one attempt at an account's password (a login, a password change)
 * or its mailbox (a reset request) on the login limits; over them the
 * caller gets a 429 with Retry-After, before any password is checked or
 * mail sent. One budget for all: a password guessed through one route is
 * not guessed again, for free, through another.
 */
export async function refuseOverLimit(
  limiter: LoginRateLimiter,
  attempt: LoginAttempt,
  reply: FastifyReply,
  what: string,
): Promise<void> {
  const limited = await limiter.consume(attempt);
  if (!limited) return;
  void reply.header('Retry-After', String(limited.retryAfterSeconds));
  throw new HttpException(
    `Too many ${what}; try again in ${limited.retryAfterSeconds} s`,
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
