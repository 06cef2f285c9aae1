import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { callerOfClaims } from './access-token-claims.js';
import { accessTokenKey } from './access-token-key.js';
import type { AccessTokenClaims, AuthenticatedUser } from './authenticated-user.js';

/** Only HS256 is accepted: `alg: none` and every other algorithm fail verification. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

// RFC 6750's credentials: the scheme, then one b64token and nothing else.
const BEARER = /^Bearer +([\w.~+/-]+=*) *$/i;

/**
 * The token of `Authorization: Bearer <token>`, or null. passport-jwt's own
 * extractor takes the first word after the scheme and ignores the rest, so
 * a header with anything appended still authenticated.
 */
export function bearerToken(request: { headers: Record<string, unknown> }): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' ? (BEARER.exec(header)?.[1] ?? null) : null;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: bearerToken,
      // passport-jwt hands the key to jsonwebtoken as it is; its typings
      // predate KeyObject, which jsonwebtoken takes (see accessTokenKey).
      secretOrKey: accessTokenKey(config.jwtSecret) as unknown as Buffer,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  validate(claims: Partial<AccessTokenClaims>): AuthenticatedUser | false {
    return callerOfClaims(claims) ?? false;
  }
}
