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
    ApiExtension('x-required-scopes', scopes),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid or expired access token',
      type: ProblemDto,
    }),
    ApiForbiddenResponse({ description: `Requires scope ${scopes.join(' ')}`, type: ProblemDto }),
  );
}

/** Guests allowed; a token, when sent, must be valid and its account active. */
export function OptionalAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(OptionalAccessTokenGuard, ActiveUserGuard),
    ApiSecurity('bearer'),
    ApiSecurity({}),
    ApiUnauthorizedResponse({
      description: 'An access token was sent but is invalid or expired',
      type: ProblemDto,
    }),
  );
}

/** The authenticated caller (undefined on an `@OptionalAuth()` route called by a guest). */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedUser | undefined =>
    context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user,
);
