import { AccountDisabledError, InvalidCredentialsError, normalizeEmail } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import type { SignedIn } from './auth-session.js';
import { GuestCartMerge } from './guest-cart-merge.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionIssuer } from './session-issuer.js';
import { UserRepository } from './user.repository.js';

/** E-mail + password → a new session (a new refresh-token family). */
@Injectable()
export class LoginService {
  private readonly logger = new Logger('Login');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionIssuer,
    private readonly guestCart: GuestCartMerge,
  ) {}

  async login(
    credentials: { email: string; password: string },
    options: { cartToken?: string } = {},
  ): Promise<SignedIn> {
    const user = await this.users.findByEmail(normalizeEmail(credentials.email));
    // An unknown e-mail costs one argon2 verify too and gets the same error,
    // so neither the reply nor its timing tells which accounts exist.
    const valid = user
      ? await this.hasher.verify(user.passwordHash, credentials.password)
      : await this.hasher.verifyAgainstDummy(credentials.password);
    if (!user || !valid) throw new InvalidCredentialsError();
    // Only someone who knows the password learns that the account is disabled.
    if (user.disabled) throw new AccountDisabledError();
    if (this.hasher.needsRehash(user.passwordHash))
      await this.upgradeHash(user.id, credentials.password);

    const session = await this.tx.run((manager) => this.sessions.issue(user, manager));
    await this.guestCart.afterSignIn(user.id, options.cartToken);
    return { user, ...session };
  }

  /** The one moment the plain password is known: re-hash it with the current parameters. */
  private async upgradeHash(userId: string, password: string): Promise<void> {
    try {
      const passwordHash = await this.hasher.hash(password);
      await this.tx.run((manager) => this.users.setPasswordHash(userId, passwordHash, manager));
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'password hash upgrade failed; keeping the old one');
    }
  }
}
