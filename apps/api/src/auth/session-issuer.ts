import { createHash, randomBytes, randomUUID } from 'node:crypto';

import type { Role } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { AccessTokenService } from './access-token.service.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';

export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Only the hash is stored: a leaked table does not hand out sessions. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Issues an access token and a refresh token of a family: a new family on
 * sign-in, the same family on rotation, so a replayed token can revoke
 * everything that descends from the same sign-in.
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
    user: { id: string; role: Role },
    manager: EntityManager,
    familyId: string = randomUUID(),
  ): Promise<IssuedSession> {
    // 32 random bytes: unguessable, so a fast hash (SHA-256) is enough to store it.
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(
      this.clock.now().getTime() + this.config.jwtRefreshTtlSeconds * 1000,
    );
    await this.refreshTokens.insert(
      { familyId, userId: user.id, tokenHash: hashRefreshToken(refreshToken), expiresAt },
      manager,
    );
    const { accessToken, expiresIn } = this.accessTokens.issue(user);
    return { accessToken, refreshToken, expiresIn };
  }
}
