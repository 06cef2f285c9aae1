import { randomUUID } from 'node:crypto';

import {
  newSessionLimits,
  type RefreshSessionLimits,
  type Role,
  rotatedSessionLimits,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { AccessTokenService } from './access-token.service.js';
import { hashOpaqueToken, newOpaqueToken } from './opaque-token.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';

export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** The family a rotation's token joins, and when its session ends (null: not recorded). */
export interface TokenFamily {
  id: string;
  sessionEndsAt: Date | null;
}

/**
 * Issues an access token and a refresh token of a family: a new family on
 * sign-in, the same family on rotation, so a replayed token can revoke
 * everything that descends from the same sign-in. A rotation's token keeps
 * the family's session end: rotating does not extend a session past it.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async issue(
    user: { id: string; role: Role; credentialsVersion: number },
    manager: EntityManager,
    family?: TokenFamily,
  ): Promise<IssuedSession> {
    const refreshToken = newOpaqueToken();
    const policy = {
      ttlSeconds: this.config.jwtRefreshTtlSeconds,
      maxAgeSeconds: this.config.jwtRefreshMaxAgeSeconds,
    };
    const now = this.clock.now();
    const limits: RefreshSessionLimits = family
      ? rotatedSessionLimits(policy, now, family.sessionEndsAt)
      : newSessionLimits(policy, now);
    const familyId = family?.id ?? randomUUID();
    await this.refreshTokens.insert(
      {
        familyId,
        userId: user.id,
        tokenHash: hashOpaqueToken(refreshToken),
        credentialsVersion: user.credentialsVersion,
        ...limits,
      },
      manager,
    );
    const { accessToken, expiresIn } = this.accessTokens.issue(user, familyId);
    return { accessToken, refreshToken, expiresIn };
  }
}
