import {
  AccountDisabledError,
  assertAcceptablePassword,
  normalizePassword,
  UnchangedPasswordError,
  WrongCurrentPasswordError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { matchingPassword, PasswordHasher } from './password-hasher.js';
import { PasswordReplacement } from './password-replacement.js';
import { type IssuedSession, SessionIssuer } from './session-issuer.js';
import { TOKEN_FAMILY_RETRIES } from './token-family.js';
import { UserRepository } from './user.repository.js';

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

/**
 * POST /me/password: a signed-in customer sets a new password, proving the
 * current one. Every session ends (a thief's too) and every access token
 * issued before stops working; the caller gets a new session, so the device
 * that made the change stays signed in.
 */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly replacement: PasswordReplacement,
    private readonly sessions: SessionIssuer,
  ) {}

  /** `address`: the request's, as the login limits key it. */
  async change(userId: string, input: PasswordChange, address: string): Promise<IssuedSession> {
    assertAcceptablePassword(input.newPassword, 'newPassword');
    const user = await this.users.findById(userId);
    if (!user || user.disabled) throw new AccountDisabledError();
    const matched = await matchingPassword(this.hasher, user.passwordHash, input.currentPassword);
    if (matched === undefined) throw new WrongCurrentPasswordError();
    const newPassword = normalizePassword(input.newPassword);
    if (newPassword === normalizePassword(input.currentPassword))
      throw new UnchangedPasswordError();
    // Hashed before the transaction, so no connection is held for it.
    const passwordHash = await this.hasher.hash(newPassword);
    return this.tx.run(async (manager) => {
      const version = await this.replacement.replace(user.id, passwordHash, manager, {
        expectedVersion: user.credentialsVersion,
        setFrom: address,
      });
      // Another change or a reset committed since the password was checked:
      // the password proved is no longer the account's.
      if (version === null) throw new WrongCurrentPasswordError();
      return this.sessions.issue({ ...user, credentialsVersion: version }, manager);
    }, TOKEN_FAMILY_RETRIES);
  }
}
