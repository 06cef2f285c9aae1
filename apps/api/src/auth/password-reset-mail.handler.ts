import { passwordResetExpiresAt } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { JobHandler } from '../jobs/job-handler.decorator.js';
import type { JobContext } from '../jobs/job-payloads.js';
import { Mailer, type MailMessage } from '../mail/mailer.js';
import { hashOpaqueToken, newOpaqueToken } from './opaque-token.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { UserRepository } from './user.repository.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /**
     * Make a password reset token and mail its link to the account of this
     * address, if it has an enabled one (`userId`: as jobs were queued before).
     */
    'auth.password-reset-mail': { email: string } | { userId: string };
  }
}

/**
 * The token is made here, at sending time, not by the request: a job's
 * payload stays in the jobs tables for days, and one holding the link would
 * hand out working resets to whoever reads a backup. Only the token's hash
 * is stored; the plain token exists in this process and in the mail. A
 * retried send makes another token (the one before was never mailed, or
 * was, and works until it expires or a reset is done).
 */
@Injectable()
export class PasswordResetMailHandler {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly tokens: PasswordResetTokenRepository,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  @JobHandler('auth.password-reset-mail', {
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: 120,
  })
  async handle(payload: { email: string } | { userId: string }, job: JobContext): Promise<void> {
    const user =
      'email' in payload
        ? await this.users.findByEmail(payload.email)
        : await this.users.findById(payload.userId);
    // No account, or a disabled one (or deleted or disabled since): no mail.
    if (!user || user.disabled) return;
    const token = newOpaqueToken();
    const { url, ttlSeconds } = this.config.passwordReset;
    await this.tx.run((manager) =>
      this.tokens.insert(
        {
          userId: user.id,
          tokenHash: hashOpaqueToken(token),
          credentialsVersion: user.credentialsVersion,
          expiresAt: passwordResetExpiresAt(this.clock.now(), ttlSeconds),
        },
        manager,
      ),
    );
    // One Message-ID per attempt, not per job: a retry mails another link,
    // and a mail service that drops a Message-ID it has seen would drop the
    // mail with the link that works. The job's id still leads it.
    await this.mailer.send(resetMail(user.email, user.name, `${url}?token=${token}`, ttlSeconds), {
      messageId: `<${job.id}.${job.retryCount}@minishop>`,
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
