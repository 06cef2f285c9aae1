import { hasScopes, InvalidTokenError, MissingScopeError } from '@minishop/domain';
import jwt from 'jsonwebtoken';

import type { UploadAdmission } from '../infrastructure/http/csv-body.js';
import { callerOfClaims } from './access-token-claims.js';
import { accessTokenKey } from './access-token-key.js';
import type { AccessTokenClaims } from './authenticated-user.js';
import { ACCESS_TOKEN_ALGORITHM, bearerToken } from './jwt.strategy.js';

/**
 * The guards run once the body has been read, and a route taking an upload
 * (a 16 MiB catalog file) would read and hold it for anyone before telling
 * them 401. This looks at the access token as the guards will, before the
 * body: a valid signature, unexpired, claims this app signs, and `scopes`.
 * Whether the account may still act (disabled, signed out, a changed
 * password) is the guards' to say, after the body: only a holder of a token
 * signed with the route's scopes can make the API read one.
 */
export function uploadAdmission(jwtSecret: string): UploadAdmission {
  const key = accessTokenKey(jwtSecret);
  return (headers, scopes) => {
    const token = bearerToken({ headers });
    if (token === null) return new InvalidTokenError();
    let claims: unknown;
    try {
      claims = jwt.verify(token, key, { algorithms: [ACCESS_TOKEN_ALGORITHM] });
    } catch {
      return new InvalidTokenError();
    }
    const caller =
      typeof claims === 'object' && claims !== null
        ? callerOfClaims(claims as Partial<AccessTokenClaims>)
        : null;
    if (caller === null) return new InvalidTokenError();
    if (!hasScopes(caller.scopes, scopes)) {
      return new MissingScopeError(scopes.filter((s) => !caller.scopes.includes(s)));
    }
    return undefined;
  };
}
