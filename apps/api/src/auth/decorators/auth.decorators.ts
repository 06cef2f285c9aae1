import { ProblemDto } from '@minishop/contracts';
import type { Scope } from '@minishop/domain';
import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import {
  ApiExtension,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import type { AuthenticatedUser } from '../authenticated-user.js';
import { AccessTokenGuard } from '../guards/access-token.guard.js';
import { ActiveUserGuard } from '../guards/active-user.guard.js';
import { CallerScopesGuard } from '../guards/caller-scopes.guard.js';
import { OptionalAccessTokenGuard } from '../guards/optional-access-token.guard.js';
import { REQUIRED_SCOPES, ScopesGuard } from '../guards/scopes.guard.js';

/** The caller must be signed in: valid token → account still active. */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(AccessTokenGuard, ActiveUserGuard),
    ApiSecurity('bearer'),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired access token',
      type: ProblemDto,
    }),
  );
}

/** Signed in, account active, and the token carries every listed scope. */
export function Scopes(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    UseGuards(AccessTokenGuard, ActiveUserGuard, ScopesGuard),
    ApiSecurity('bearer', scopes),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired access token',
      type: ProblemDto,
    }),
    ...documentedScopes(scopes, `Requires scope ${scopes.join(' ')}`),
  );
}

/**
 * Guests allowed; a token, when sent, must be valid, its account active, and
 * carry every listed scope (a signed-in caller is never let in as a guest).
 */
export function OptionalAuth(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    UseGuards(OptionalAccessTokenGuard, ActiveUserGuard, CallerScopesGuard),
    ApiSecurity('bearer', scopes),
    ApiSecurity({}),
    ApiUnauthorizedResponse({
      description: 'An access token was sent but is invalid or expired',
      type: ProblemDto,
    }),
    ...documentedScopes(
      scopes,
      `A signed-in caller's token lacks scope ${scopes.join(' ')} (guests need none)`,
    ),
  );
}

/** `x-required-scopes` and the 403 in the OpenAPI document, for routes that declare scopes. */
function documentedScopes(
  scopes: Scope[],
  forbidden: string,
): (ClassDecorator & MethodDecorator)[] {
  if (scopes.length === 0) return [];
  return [
    ApiExtension('x-required-scopes', scopes),
    ApiForbiddenResponse({ description: forbidden, type: ProblemDto }),
  ];
}

/** The authenticated caller (undefined on an `@OptionalAuth()` route called by a guest). */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
