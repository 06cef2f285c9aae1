import {
  assertAcceptablePassword,
  InvalidResetTokenError,
  normalizePassword,
  resetTokenIsUsable,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { hashOpaqueToken } from './opaque-token.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordReplacement } from './password-replacement.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { TOKEN_FAMILY_RETRIES } from './token-family.js';
import { UserRepository } from './user.repository.js';

/**
 * POST /auth/password-reset/confirm: a reset token from the mail sets a new
 * password. The token works once, until it expires, and only while the
 * password is the one it was issued for; using it ends every session, as a
 * change does. The caller then signs in with the new password.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tokens: PasswordResetTokenRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly replacement: PasswordReplacement,
    private readonly clock: Clock,
  ) {}

  async reset(token: string, newPassword: string): Promise<void> {
    assertAcceptablePassword(newPassword, 'newPassword');
    // Hashed before the transaction, so no connection is held for it.
    const passwordHash = await this.hasher.hash(normalizePassword(newPassword));
    await this.tx.run(async (manager) => {
      // Locked: of two requests with one token, the second waits and finds it used.
      const stored = await this.tokens.lockByHash(hashOpaqueToken(token), manager);
      const now = this.clock.now();
      const account = stored && (await this.users.findById(stored.userId, manager));
      if (!stored || !account || !resetTokenIsUsable(stored, account.credentialsVersion, now)) {
        throw new InvalidResetTokenError();
      }
      const version = await this.replacement.replace(
        account.id,
        passwordHash,
        manager,
        stored.credentialsVersion,
      );
      // A change or another reset committed since the account was read.
      if (version === null) throw new InvalidResetTokenError();
      await this.tokens.markUsed(stored.id, now, manager);
    }, TOKEN_FAMILY_RETRIES);
  }
}
