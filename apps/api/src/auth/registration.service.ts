import {
  assertAcceptablePassword,
  EmailTakenError,
  normalizeEmail,
  normalizePassword,
  type Role,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { MailMessage } from '../mail/mailer.js';
import type { SignedIn } from './auth-session.js';
import { GuestCartMerge } from './guest-cart-merge.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionIssuer } from './session-issuer.js';
import { UserRepository } from './user.repository.js';

export interface Registration {
  email: string;
  password: string;
  name: string;
  /** Only trusted callers (the CLI) pass `admin`; HTTP registration is always `customer`. */
  role?: Role;
}

/** Creates an account and signs it in: the use case of POST /auth/register and `user:create`. */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionIssuer,
    private readonly guestCart: GuestCartMerge,
    private readonly jobs: JobQueue,
  ) {}

  async register(input: Registration, options: { cartToken?: string } = {}): Promise<SignedIn> {
    assertAcceptablePassword(input.password);
    const email = normalizeEmail(input.email);
    // A taken e-mail is refused before any argon2 work: the 409 tells no
    // more than it already did, and a flood of registrations of one taken
    // e-mail no longer fills the hashing queue that every login waits in.
    // The insert below still refuses the e-mail should two registrations of
    // a new one both get past this read.
    if (await this.users.findByEmail(email)) throw new EmailTakenError();
    // Hashing happens before the transaction so no connection is held for it.
    const passwordHash = await this.hasher.hash(normalizePassword(input.password));
    const signedIn = await this.tx.run(async (manager) => {
      const user = await this.users.create(
        { email, name: input.name.trim(), role: input.role ?? 'customer', passwordHash },
        manager,
      );
      if (!user) throw new EmailTakenError();
      const session = await this.sessions.issue(user, manager);
      // Enqueued in the same transaction: sent if and only if the account is
      // committed, and the reply never waits for (or fails with) the mail server.
      await this.jobs.enqueue('mail.send', welcomeMail(user.email, user.name), { manager });
      return { user, ...session };
    });
    const cartMerge = await this.guestCart.afterSignIn(signedIn.user.id, options.cartToken);
    return cartMerge ? { ...signedIn, cartMerge } : signedIn;
  }
}

function welcomeMail(to: string, name: string): MailMessage {
  return {
    to,
    subject: 'Welcome to minishop',
    text: `Hello ${name},\n\nyour minishop account is ready. Sign in with ${to} to start shopping.\n`,
  };
}
