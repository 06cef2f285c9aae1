import nodemailer, { type Transporter } from 'nodemailer';

import type { Mailer, MailMessage, SendOptions } from './mailer.js';

/** Sends through the SMTP server of SMTP_URL (smtp:// or smtps://user:pass@host:port). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }

  async send(message: MailMessage, options: SendOptions = {}): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      ...(options.messageId ? { messageId: options.messageId } : {}),
    });
  }

  close(): void {
    this.transport.close();
  }
}
