import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { SalesReportWriter } from './sales-report.writer.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Write the CSV file of a requested sales report. */
    'reports.sales': { reportId: string };
  }
}

@Injectable()
export class SalesReportHandler {
  constructor(private readonly writer: SalesReportWriter) {}

  // Rewrites the whole file on a retry, so it is idempotent.
  @JobHandler('reports.sales', { retryLimit: 3, retryDelay: 10, expireInSeconds: 1800 })
  async handle(payload: { reportId: string }): Promise<void> {
    await this.writer.write(payload.reportId);
  }
}
