import { InvalidTokenError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

import type { AuthenticatedUser } from '../authenticated-user.js';

/** Step 1 of the chain: a valid, unexpired access token (HS256 only). */
@Injectable()
export class AccessTokenGuard extends AuthGuard('jwt') {
  override handleRequest<T = AuthenticatedUser>(error: unknown, user: T | false): T {
    // Every failure (missing, malformed, tampered, expired, wrong algorithm)
    // is the same 401 to the caller: the reason helps only an attacker.
    if (error || !user) throw new InvalidTokenError();
    return user;
  }
}
