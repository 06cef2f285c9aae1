import { normalizeEmail } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { onCommit } from '../infrastructure/database/transaction-runner.js';
import { AccountAccessCache } from './account-access-cache.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { LoginRateLimiter } from './throttling/login-rate-limiter.js';
import { UserRepository } from './user.repository.js';

/**
 * What a new password does to an account, for a change and a reset alike:
 * the hash is replaced, the credentials version moves on (every access,
 * refresh and reset token issued before stops working) and every session is
 * revoked. Once committed, the addresses that signed in to the account are
 * forgotten, so whoever held the old password gets a stranger's login
 * limits wherever they used it from; all but the one the new password was
 * set from, which proved the password or the mailbox as a sign-in does.
 * Forgotten with the rest, it would count with strangers too, and whoever
 * kept spending the account's budget for them would lock its owner out
 * right after the change. Run in a transaction that may revoke token
 * families (TOKEN_FAMILY_RETRIES): it locks them as a refresh does.
 */
@Injectable()
export class PasswordReplacement {
  constructor(
    private readonly users: UserRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: Clock,
    private readonly access: AccountAccessCache,
    private readonly loginLimits: LoginRateLimiter,
  ) {}

  /**
   * When given, only while the account is at `expectedVersion`, the one
   * whose password (or reset token) the caller proved: a change or reset
   * that committed in between wins, and this one changes nothing. Returns
   * the account's new credentials version, or null when it changed nothing.
   * `setFrom`: the address of the request that set it, as the login limits
   * key it (none from the command line).
   */
  async replace(
    userId: string,
    passwordHash: string,
    manager: EntityManager,
    { expectedVersion, setFrom }: { expectedVersion?: number; setFrom?: string } = {},
  ): Promise<number | null> {
    const replaced = await this.users.replacePassword(
      userId,
      passwordHash,
      manager,
      expectedVersion,
    );
    if (replaced === null) return null;
    // Dropped now, and again once committed: a request reading the old row
    // meanwhile may have kept it, and this process's next request must not
    // wait for the notification the commit sends.
    this.access.changed(userId);
    onCommit(manager, async () => {
      this.access.changed(userId);
      await this.loginLimits.forgetAddresses(replaced.email);
      if (setFrom !== undefined) {
        await this.loginLimits.signedIn({ ip: setFrom, email: normalizeEmail(replaced.email) });
      }
    });
    await this.refreshTokens.revokeAllOfUser(userId, this.clock.now(), manager);
    return replaced.credentialsVersion;
  }
}
