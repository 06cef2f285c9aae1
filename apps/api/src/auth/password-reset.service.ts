import {
  assertAcceptablePassword,
  InvalidResetTokenError,
  normalizePassword,
  resetTokenIsUsable,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { hashOpaqueToken } from './opaque-token.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordReplacement } from './password-replacement.js';
import {
  type PasswordResetTokenRecord,
  PasswordResetTokenRepository,
} from './password-reset-token.repository.js';
import { TOKEN_FAMILY_RETRIES } from './token-family.js';
import { UserRepository } from './user.repository.js';

/**
 * POST /auth/password-reset/confirm: a reset token from the mail sets a new
 * password. The token works once, until it expires, only while the password
 * is the one it was issued for and the account is enabled; using it ends
 * every session, as a change does. The caller then signs in with the new
 * password.
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

  /** `address`: the request's, as the login limits key it. */
  async reset(token: string, newPassword: string, address: string): Promise<void> {
    assertAcceptablePassword(newPassword, 'newPassword');
    const tokenHash = hashOpaqueToken(token);
    // A made-up token costs one indexed read, not an argon2 hash. Read
    // outside a transaction (no BEGIN and COMMIT to wait for): it decides
    // nothing, the write below checks everything again.
    await this.usableToken(tokenHash);
    // Hashed before the transaction, so no connection is held for it.
    const passwordHash = await this.hasher.hash(normalizePassword(newPassword));
    await this.tx.run(async (manager) => {
      // Locked, and checked again: of two requests with one token, the
      // second waits here and finds it used.
      const stored = await this.usableToken(tokenHash, manager);
      const version = await this.replacement.replace(stored.userId, passwordHash, manager, {
        expectedVersion: stored.credentialsVersion,
        setFrom: address,
      });
      // A change or another reset committed since the account was read.
      if (version === null) throw new InvalidResetTokenError();
      await this.tokens.markUsed(stored.id, this.clock.now(), manager);
    }, TOKEN_FAMILY_RETRIES);
  }

  /**
   * The token, when it may set a password now; else InvalidResetTokenError.
   * Within a transaction (`manager`), its row stays locked until the end.
   */
  private async usableToken(
    tokenHash: string,
    manager?: EntityManager,
  ): Promise<PasswordResetTokenRecord> {
    const stored = manager
      ? await this.tokens.lockByHash(tokenHash, manager)
      : await this.tokens.findByHash(tokenHash);
    const account = stored && (await this.users.findById(stored.userId, manager));
    if (
      !stored ||
      !account ||
      account.disabled ||
      !resetTokenIsUsable(stored, account.credentialsVersion, this.clock.now())
    ) {
      throw new InvalidResetTokenError();
    }
    return stored;
  }
}
