import type { OnApplicationShutdown } from '@nestjs/common';
import type { Transporter } from 'nodemailer';

import type { Mailer, MailMessage, SendOptions } from './mailer.js';

/**
 * How long a mail server may stay silent before a send fails: well inside
 * the `mail.send` job's expiry (120 s). nodemailer's own default is ten
 * minutes: a stalled server held the send long after pg-boss had expired the
 * job and started a retry, so both could be delivered once it woke.
 */
export const SMTP_SILENCE_TIMEOUT_MS = 45_000;

/**
 * Connections the pool may open at once. The `mail.send` job takes this many
 * mails a batch: with more, the rest would queue for a connection, and the
 * silence timeout above, which counts only a silent connection, would no
 * longer keep the last of them inside the job's expiry.
 */
export const SMTP_POOL_CONNECTIONS = 5;

/**
 * SMTP_URL with connection pooling on unless the URL sets `pool` itself:
 * without it nodemailer opens a connection (TCP, TLS, greeting, login) for
 * every message, which at a few hundred orders a second is most of the
 * worker's mail cost and as many connections to the mail server. A stalled
 * server (or one that never takes the connection) fails the send within
 * SMTP_SILENCE_TIMEOUT_MS, unless the URL sets `socketTimeout` or
 * `connectionTimeout` itself.
 */
export function pooledSmtpUrl(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('pool')) parsed.searchParams.set('pool', 'true');
  if (!parsed.searchParams.has('maxConnections')) {
    parsed.searchParams.set('maxConnections', String(SMTP_POOL_CONNECTIONS));
  }
  for (const timeout of ['connectionTimeout', 'socketTimeout']) {
    if (!parsed.searchParams.has(timeout)) {
      parsed.searchParams.set(timeout, String(SMTP_SILENCE_TIMEOUT_MS));
    }
  }
  return parsed.toString();
}

/**
 * Sends through the SMTP server of SMTP_URL (smtp:// or smtps://user:pass@host:port),
 * over a small pool of reused connections (up to SMTP_POOL_CONNECTIONS,
 * each replaced after 100 messages).
 */
export class SmtpMailer implements Mailer, OnApplicationShutdown {
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
    this.transport ??= import('nodemailer').then((m) =>
      m.default.createTransport(pooledSmtpUrl(this.url)),
    );
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

  /** Closes the pooled connections (they would otherwise idle for minutes). */
  close(): void {
    void this.transport?.then((transport) => transport.close());
  }

  onApplicationShutdown(): void {
    this.close();
  }
}
