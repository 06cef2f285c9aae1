import { type ExecutionContext, Injectable } from '@nestjs/common';

import type { AuthenticatedUser } from '../authenticated-user.js';
import { ScopesGuard } from './scopes.guard.js';

/**
 * Step 3 on routes guests may call too (the cart): a guest passes, as a guest;
 * a caller who sent a token is held to the route's scopes like anywhere else,
 * so a token without them cannot fall back to acting as a guest.
 */
@Injectable()
export class CallerScopesGuard extends ScopesGuard {
  override canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    return user === undefined || super.canActivate(context);
  }
}
