import {
  accessTokenIsCurrent,
  AccountDisabledError,
  InvalidTokenError,
  scopesFor,
} from '@minishop/domain';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';

import { AccountAccessCache } from '../account-access-cache.js';
import type { AuthenticatedUser } from '../authenticated-user.js';

/**
 * Step 2: the account still exists and is enabled, and its password has not
 * changed since the token was issued, checked on every request so disabling
 * a user or changing a password stops their live tokens at once (read from
 * memory while every change is heard: see AccountAccessCache), and the
 * session the token was issued to has not ended. Scopes are
 * narrowed to the user's current role, so a demoted admin loses admin
 * scopes at once too.
 */
@Injectable()
export class ActiveUserGuard implements CanActivate {
  constructor(private readonly access: AccountAccessCache) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>();
    const caller = request.user;
    if (!caller) return true; // optional-auth routes without a token
    // Both at once: either may have to read the database.
    const [user, sessionLive] = await Promise.all([
      this.access.find(caller.id),
      caller.sessionId === undefined ? true : this.access.sessionLive(caller.sessionId),
    ]);
    if (!user || user.disabled) throw new AccountDisabledError();
    // Issued before the password last changed: whoever prompted the change
    // may hold it.
    if (!accessTokenIsCurrent(caller.credentialsVersion, user.credentialsVersion)) {
      throw new InvalidTokenError();
    }
    // Its session ended (a logout, a replayed refresh token): the token ends
    // with it, not at its expiry.
    if (!sessionLive) throw new InvalidTokenError();
    const allowed = scopesFor(user.role);
    request.user = {
      ...caller,
      role: user.role,
      scopes: caller.scopes.filter((s) => allowed.includes(s)),
    };
    return true;
  }
}
