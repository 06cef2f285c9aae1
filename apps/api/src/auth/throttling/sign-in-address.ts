import { normalizeEmail } from '@minishop/domain';
import { createParamDecorator, type ExecutionContext, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';

import { rateLimitKey } from '../../infrastructure/http/client-ip.js';
import type { LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';

const logger = new Logger('LoginRateLimiter');

/** The address and account of a request whose body names an e-mail (login, register). */
export function attemptOf(request: FastifyRequest): LoginAttempt {
  const body = request.body as { email?: unknown } | undefined;
  return {
    // Per client as the request rate limit counts them (an IPv6 client by its /64).
    ip: rateLimitKey(request.ip),
    email:
      typeof body?.email === 'string' && body.email.trim() !== ''
        ? normalizeEmail(body.email)
        : undefined,
  };
}

/**
 * `reply`, once the attempt's address is remembered as one that signed in to
 * its account. Only a handler that returned signed someone in: a wrong
 * password or a taken e-mail throws, and nothing is remembered.
 */
export function rememberedOnSuccess(
  limiter: LoginRateLimiter,
  attempt: LoginAttempt,
  reply: Observable<unknown>,
): Observable<unknown> {
  const { ip, email } = attempt;
  if (email === undefined) return reply;
  return reply.pipe(
    mergeMap((session) =>
      from(
        limiter.signedIn({ ip, email }).then(
          () => session,
          // The sign-in stands: the address is only not remembered.
          (error: unknown) => {
            logger.warn(`Could not remember a signed-in address: ${String(error)}`);
            return session;
          },
        ),
      ),
    ),
  );
}

/**
 * The request's address as the login limits count it: for a route whose
 * success proves the account's password or mailbox, so that address is
 * remembered as one that signed in (see PasswordReplacement).
 */
export const SignInAddress = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string =>
    rateLimitKey(context.switchToHttp().getRequest<FastifyRequest>().ip),
);
