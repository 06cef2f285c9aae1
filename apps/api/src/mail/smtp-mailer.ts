import type { Transporter } from 'nodemailer';

import type { Mailer, MailMessage, SendOptions } from './mailer.js';

/** Sends through the SMTP server of SMTP_URL (smtp:// or smtps://user:pass@host:port). */
export class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | undefined;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {}

  /**
   * nodemailer (~1 MiB of code and heap) is loaded with the first message,
   * not at start: a process may serve for hours before it sends one.
   */
  private transporter(): Promise<Transporter> {
    this.transport ??= import('nodemailer').then((m) => m.default.createTransport(this.url));
    return this.transport;
  }

  async send(message: MailMessage, options: SendOptions = {}): Promise<void> {
    const transport = await this.transporter();
    await transport.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      ...(options.messageId ? { messageId: options.messageId } : {}),
    });
  }

  close(): void {
    void this.transport?.then((transport) => transport.close());
  }
}
