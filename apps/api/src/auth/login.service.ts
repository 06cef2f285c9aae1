import {
  AccountDisabledError,
  InvalidCredentialsError,
  normalizeEmail,
  normalizePassword,
  passwordCandidates,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import type { SignedIn } from './auth-session.js';
import { GuestCartMerge } from './guest-cart-merge.js';
import { matchingPassword, PasswordHasher } from './password-hasher.js';
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
    const normalised = normalizePassword(credentials.password);
    const matched = user
      ? await matchingPassword(this.hasher, user.passwordHash, credentials.password)
      : await this.dummyVerifies(passwordCandidates(credentials.password));
    if (!user || matched === undefined) throw new InvalidCredentialsError();
    // Only someone who knows the password learns that the account is disabled.
    if (user.disabled) throw new AccountDisabledError();
    // A hash of the password as typed (made before passwords were normalised),
    // or one with weaker parameters, is replaced by the current form.
    if (matched !== normalised || this.hasher.needsRehash(user.passwordHash))
      await this.upgradeHash(user, normalised);

    const session = await this.tx.run((manager) => this.sessions.issue(user, manager));
    const cartMerge = await this.guestCart.afterSignIn(user.id, options.cartToken);
    return { user, ...session, ...(cartMerge ? { cartMerge } : {}) };
  }

  /**
   * An unknown e-mail costs as many argon2 verifies as a known one with a
   * wrong password and gets the same error, so neither the reply nor its
   * timing tells which accounts exist.
   */
  private async dummyVerifies(candidates: readonly string[]): Promise<undefined> {
    for (const candidate of candidates) await this.hasher.verifyAgainstDummy(candidate);
    return undefined;
  }

  /** The one moment the plain password is known: re-hash it normalised, with the current parameters. */
  private async upgradeHash(
    user: { id: string; credentialsVersion: number },
    password: string,
  ): Promise<void> {
    try {
      const passwordHash = await this.hasher.hash(password);
      // Not over a password changed or reset since it was checked: the old
      // one would come back.
      await this.tx.run((manager) =>
        this.users.setPasswordHash(user.id, passwordHash, user.credentialsVersion, manager),
      );
    } catch (error) {
      this.logger.warn(
        { err: error, userId: user.id },
        'password hash upgrade failed; keeping the old one',
      );
    }
  }
}
