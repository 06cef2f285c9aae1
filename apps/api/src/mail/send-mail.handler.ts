import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import type { JobContext } from '../jobs/job-payloads.js';
import { Mailer, type MailMessage } from './mailer.js';
import { SMTP_POOL_CONNECTIONS } from './smtp-mailer.js';

/**
 * Mails a worker sends at once: one per pooled connection, so none waits
 * for another's turn and each send ends within the silence timeout, before
 * the job expires and its retry would send the mail a second time.
 */
export const MAIL_SEND_BATCH_SIZE = SMTP_POOL_CONNECTIONS;

/**
 * The generic `mail.send` job: features enqueue it inside their transaction
 * (welcome, order confirmation, receipt), so a request never waits for the
 * mail server and never fails because of it. Delivery is at-least-once; the
 * Message-ID is derived from the job id so duplicates are recognisable.
 */
@Injectable()
export class SendMailHandler {
  constructor(private readonly mailer: Mailer) {}

  @JobHandler('mail.send', {
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: 120,
    batchSize: MAIL_SEND_BATCH_SIZE,
  })
  async handle(message: MailMessage, job: JobContext): Promise<void> {
    await this.mailer.send(message, { messageId: `<${job.id}@minishop>` });
  }
}
