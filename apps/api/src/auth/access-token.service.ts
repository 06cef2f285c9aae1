import { randomUUID } from 'node:crypto';

import { type Role, scopesFor } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import type { AccessTokenClaims } from './authenticated-user.js';

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * Signs short-lived access tokens. `iat`/`exp` come from the Clock port, so
 * a test can issue a token that is already expired without waiting.
 */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * `sessionId`: the refresh-token family the token belongs to, so that
   * ending the session (a logout, a replayed refresh token) ends the token
   * too, not only at its expiry. Without one (a test's signed-in user) the
   * token ends at its expiry, or with its account's credentials.
   */
  issue(
    user: { id: string; role: Role; credentialsVersion: number },
    sessionId: string | undefined,
  ): IssuedAccessToken {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const ttl = this.config.jwtAccessTtlSeconds;
    const claims: AccessTokenClaims = {
      sub: user.id,
      role: user.role,
      scope: scopesFor(user.role).join(' '),
      iat,
      exp: iat + ttl,
      jti: randomUUID(),
      ver: user.credentialsVersion,
      ...(sessionId === undefined ? {} : { sid: sessionId }),
    };
    return { accessToken: this.jwt.sign(claims), expiresIn: ttl };
  }
}
