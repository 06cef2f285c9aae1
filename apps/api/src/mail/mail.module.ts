import { join } from 'node:path';

import { Module } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { Mailer } from './mailer.js';
import { OutboxMailer } from './outbox-mailer.js';
import { SendMailHandler } from './send-mail.handler.js';
import { SmtpMailer } from './smtp-mailer.js';

@Module({
  providers: [
    {
      provide: Mailer,
      inject: [AppConfig],
      useFactory: (config: AppConfig): Mailer =>
        config.smtpUrl
          ? new SmtpMailer(config.smtpUrl, config.mailFrom)
          : new OutboxMailer(join(config.dataDir, 'outbox'), config.mailFrom),
    },
    SendMailHandler,
  ],
  exports: [Mailer],
})
export class MailModule {}
