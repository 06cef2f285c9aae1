import type { MailMessage } from '../mail/mailer.js';

/**
 * Every job name and the payload it carries. Features add their jobs by
 * module augmentation, next to the handler that consumes them:
 *
 *   declare module '../jobs/job-payloads.js' {
 *     interface JobPayloads { 'orders.expire-reservation': { orderId: string } }
 *   }
 *
 * Payloads are stored as JSON: plain data only (no Date, Money or class
 * instances; send ISO strings and minor units).
 */
export interface JobPayloads {
  /** Send one e-mail through the Mailer, outside the request that caused it. */
  'mail.send': MailMessage;
  /** Daily: forget idempotency records older than the retention window. */
  'jobs.prune-processed': Record<string, never>;
}

export type JobName = keyof JobPayloads & string;

/** What a handler knows about the job it runs, besides the payload. */
export interface JobContext {
  readonly id: string;
  readonly name: JobName;
  /** 0 on the first attempt, then 1, 2, ... */
  readonly retryCount: number;
}
