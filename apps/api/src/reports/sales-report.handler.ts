import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import type { JobContext } from '../jobs/job-payloads.js';
import { SalesReportWriter } from './sales-report.writer.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Write the CSV file of a requested sales report. */
    'reports.sales': { reportId: string };
  }
}

const RETRY_LIMIT = 3;

@Injectable()
export class SalesReportHandler {
  constructor(private readonly writer: SalesReportWriter) {}

  // Rewrites the whole file on a retry, so it is idempotent.
  @JobHandler('reports.sales', { retryLimit: RETRY_LIMIT, retryDelay: 10, expireInSeconds: 1800 })
  async handle(payload: { reportId: string }, job: JobContext): Promise<void> {
    try {
      await this.writer.write(payload.reportId, `${job.id}.${job.retryCount}`);
    } catch (error) {
      // No attempt follows the last one: the report would stay `running`.
      if (job.retryCount >= RETRY_LIMIT) await this.writer.fail(payload.reportId);
      throw error;
    }
  }
}
