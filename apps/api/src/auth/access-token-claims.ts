import { isRole, isUuid, type Scope, SCOPES } from '@minishop/domain';

import type { AccessTokenClaims, AuthenticatedUser } from './authenticated-user.js';

/**
 * The caller a verified access token's claims describe, or null when they
 * are not claims this app signs. jsonwebtoken checks `exp` only when it is
 * present: a token without one would never expire, and every token this app
 * signs carries both. A subject that is no account id (only a holder of the
 * signing key can send one) would fail the account lookup's uuid cast as a
 * 500.
 */
export function callerOfClaims(claims: Partial<AccessTokenClaims>): AuthenticatedUser | null {
  if (
    typeof claims.sub !== 'string' ||
    !isUuid(claims.sub) ||
    !isRole(claims.role) ||
    typeof claims.jti !== 'string' ||
    typeof claims.exp !== 'number' ||
    typeof claims.iat !== 'number' ||
    (claims.ver !== undefined && !(Number.isSafeInteger(claims.ver) && claims.ver >= 0)) ||
    (claims.sid !== undefined && !(typeof claims.sid === 'string' && isUuid(claims.sid)))
  ) {
    return null;
  }
  const scopes = (typeof claims.scope === 'string' ? claims.scope.split(' ') : []).filter(
    (s): s is Scope => (SCOPES as readonly string[]).includes(s),
  );
  return {
    // As PostgreSQL writes it, so ownership checks and the account cache
    // (dropped by id as the database sends it) see one id per account.
    id: claims.sub.toLowerCase(),
    role: claims.role,
    scopes,
    tokenId: claims.jti,
    credentialsVersion: claims.ver ?? 0,
    ...(claims.sid === undefined ? {} : { sessionId: claims.sid.toLowerCase() }),
  };
}
