import { assertAcceptablePassword, normalizeEmail, normalizePassword } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordReplacement } from './password-replacement.js';
import { TOKEN_FAMILY_RETRIES } from './token-family.js';
import { UserRepository } from './user.repository.js';

/**
 * `user:set-password`: an operator sets an account's password without the
 * current one (a locked-out admin, a customer on the phone). It ends every
 * session, as a change or a reset does.
 */
@Injectable()
export class PasswordSetService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly replacement: PasswordReplacement,
  ) {}

  /** Returns the account's id, or null when no account has this e-mail. */
  async set(email: string, newPassword: string): Promise<string | null> {
    assertAcceptablePassword(newPassword);
    const user = await this.users.findByEmail(normalizeEmail(email));
    if (!user) return null;
    const passwordHash = await this.hasher.hash(normalizePassword(newPassword));
    // Whatever changed meanwhile, the operator's password is the one asked for.
    const version = await this.tx.run(
      (manager) => this.replacement.replace(user.id, passwordHash, manager),
      TOKEN_FAMILY_RETRIES,
    );
    // Deleted since it was read.
    return version === null ? null : user.id;
  }
}
