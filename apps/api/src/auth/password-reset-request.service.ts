import { normalizeEmail, passwordResetExpiresAt } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { MailMessage } from '../mail/mailer.js';
import { hashOpaqueToken, newOpaqueToken } from './opaque-token.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { UserRepository } from './user.repository.js';

/**
 * POST /auth/password-reset: mails a single-use reset link to the account's
 * address. The reply is the same whether or not the address has an
 * account, so it does not tell who shops here; a disabled account gets no
 * mail either. The token is stored only as a hash, like a refresh token.
 */
@Injectable()
export class PasswordResetRequestService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly tokens: PasswordResetTokenRepository,
    private readonly jobs: JobQueue,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async request(email: string): Promise<void> {
    const user = await this.users.findByEmail(normalizeEmail(email));
    if (!user || user.disabled) return;
    const token = newOpaqueToken();
    const { url, ttlSeconds } = this.config.passwordReset;
    await this.tx.run(async (manager) => {
      await this.tokens.insert(
        {
          userId: user.id,
          tokenHash: hashOpaqueToken(token),
          credentialsVersion: user.credentialsVersion,
          expiresAt: passwordResetExpiresAt(this.clock.now(), ttlSeconds),
        },
        manager,
      );
      // Sent if and only if the token is committed.
      await this.jobs.enqueue(
        'mail.send',
        resetMail(user.email, user.name, `${url}?token=${token}`, ttlSeconds),
        { manager },
      );
    });
  }
}

function resetMail(to: string, name: string, link: string, ttlSeconds: number): MailMessage {
  return {
    to,
    subject: 'Reset your minishop password',
    text:
      `Hello ${name},\n\nsomeone asked to reset the password of your minishop account. ` +
      `To choose a new one, open this link within ${Math.round(ttlSeconds / 60)} minutes:\n\n` +
      `${link}\n\nIt works once. Setting a new password signs you out everywhere. ` +
      `If you did not ask for this, ignore this mail: your password stays as it is.\n`,
  };
}
