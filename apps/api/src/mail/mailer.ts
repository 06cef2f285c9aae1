export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface SendOptions {
  /**
   * A stable id for the message (e.g. derived from the job id), so a retry
   * that sends twice produces the same Message-ID a receiver can deduplicate.
   */
  messageId?: string;
}

/** The port for outgoing e-mail. Use cases do not call it directly: they enqueue `mail.send`. */
export abstract class Mailer {
  abstract send(message: MailMessage, options?: SendOptions): Promise<void>;
}
