import { randomUUID } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Transporter } from 'nodemailer';

import type { Mailer, MailMessage, SendOptions } from './mailer.js';

/**
 * Development mailer: writes each message as an RFC 822 `.eml` file under the
 * outbox directory (open it in any mail client, or read it as text). The
 * file name comes from the message id, so a retried job overwrites rather
 * than duplicates.
 */
export class OutboxMailer implements Mailer {
  private composer: Promise<Transporter> | undefined;

  constructor(
    readonly dir: string,
    private readonly from: string,
  ) {}

  /** nodemailer is loaded with the first message, not at start (see SmtpMailer). */
  private composerOnce(): Promise<Transporter> {
    this.composer ??= import('nodemailer').then((m) =>
      m.default.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    return this.composer;
  }

  async send(message: MailMessage, options: SendOptions = {}): Promise<void> {
    const id = options.messageId ?? `<${randomUUID()}@minishop.local>`;
    const composer = await this.composerOnce();
    const info = (await composer.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html !== undefined ? { html: message.html } : {}),
      messageId: id,
    })) as { message: Buffer };
    const safeId = id.replace(/[^\w.@-]/g, '');
    const file = join(this.dir, `${safeId}.eml`);
    // Written beside it and renamed: a reader never sees half a message. Not
    // synced to disk: a development outbox, and a retried job writes it again.
    // By hand rather than with write-file-atomic, which resolves the path
    // link by link and stats the target on every call: a quarter of the
    // worker's CPU per order mail in a checkout benchmark.
    const write = async () => {
      const part = `${file}.${randomUUID()}.part`;
      try {
        await writeFile(part, info.message, { flag: 'wx' });
        await rename(part, file);
      } catch (error) {
        // Half written (a full disk) or not renamed: no part file stays behind.
        await unlink(part).catch(() => undefined);
        throw error;
      }
    };
    try {
      await write();
    } catch (error) {
      // The directory is made when first needed (or again, if removed since),
      // not checked with a mkdir on every message.
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      await mkdir(this.dir, { recursive: true });
      await write();
    }
  }
}
