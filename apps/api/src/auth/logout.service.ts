import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { AccountAccessCache } from './account-access-cache.js';
import { hashOpaqueToken } from './opaque-token.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { TOKEN_FAMILY_RETRIES } from './token-family.js';

/**
 * Ends the session the refresh token belongs to: its whole family is
 * revoked, and the access tokens issued to it stop working.
 */
@Injectable()
export class LogoutService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tokens: RefreshTokenRepository,
    private readonly access: AccountAccessCache,
    private readonly clock: Clock,
  ) {}

  /**
   * Idempotent: an unknown, expired or already revoked token is not an error,
   * since the caller's goal (that token no longer works) already holds, and
   * the reply must not tell a guesser which tokens exist.
   */
  async logout(refreshToken: string): Promise<void> {
    const ended = await this.tx.run(async (manager) => {
      const token = await this.tokens.lockByHash(hashOpaqueToken(refreshToken), manager);
      if (token) await this.tokens.revokeFamily(token.familyId, this.clock.now(), manager);
      return token?.familyId;
      // A refresh revoking the family for another of its tokens (a replay)
      // holds that token's row and can deadlock with us: retried, the
      // revocation finds the family revoked already and the logout holds.
    }, TOKEN_FAMILY_RETRIES);
    // In this process at once; other instances hear of it at the commit.
    if (ended !== undefined) this.access.sessionEnded(ended);
  }
}
