import { hasScopes, MissingScopeError, type Scope } from '@minishop/domain';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import type { AuthenticatedUser } from '../authenticated-user.js';

export const REQUIRED_SCOPES = 'minishop:required-scopes';

/** Step 3: the token carries every scope the route declares with `@Scopes()`. */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required =
      this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    const granted = user?.scopes ?? [];
    if (!hasScopes(granted, required)) {
      throw new MissingScopeError(required.filter((s) => !granted.includes(s)));
    }
    return true;
  }
}
