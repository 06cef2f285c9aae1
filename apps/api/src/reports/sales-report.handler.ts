import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import type { JobContext } from '../jobs/job-payloads.js';
import { givingUpAfterLastAttempt } from '../jobs/last-attempt.js';
import { SalesReportWriter } from './sales-report.writer.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Write the CSV file of a requested sales report. */
    'reports.sales': { reportId: string };
    /**
     * A `reports.sales` job that will not run again, as pg-boss dead-letters
     * it: its last attempt failed, outlived its expiry or lost its worker.
     */
    'reports.sales.dlq': { reportId: string };
  }
}

const RETRY_LIMIT = 3;

@Injectable()
export class SalesReportHandler {
  constructor(private readonly writer: SalesReportWriter) {}

  // Rewrites the whole file on a retry, so it is idempotent.
  @JobHandler('reports.sales', { retryLimit: RETRY_LIMIT, retryDelay: 10, expireInSeconds: 1800 })
  async handle(payload: { reportId: string }, job: JobContext): Promise<void> {
    await givingUpAfterLastAttempt(
      job,
      RETRY_LIMIT,
      () => this.writer.write(payload.reportId, `${job.id}.${job.retryCount}`),
      () => this.writer.fail(payload.reportId),
    );
  }

  /**
   * The last attempt ended without a word from the handler above (it
   * outlived its expiry, or the worker died on it): without this the report
   * stayed `running` for ever. pg-boss moves such a job to the queue's
   * dead-letter queue; the report's row is then failed, so the `reports`
   * table stays what readers trust. Failing a completed report is a no-op.
   */
  // The name pg-boss dead-letters `reports.sales` to (deadLetterQueueOf).
  @JobHandler('reports.sales.dlq', { retryDelay: 10 })
  async giveUp(payload: { reportId: string }): Promise<void> {
    await this.writer.fail(payload.reportId);
  }
}
