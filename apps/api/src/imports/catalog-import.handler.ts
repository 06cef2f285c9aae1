import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { CatalogImportProcessor } from './catalog-import.processor.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Process a recorded catalog import (see CatalogImportProcessor). */
    'catalog.import': { importId: string };
  }
}

@Injectable()
export class CatalogImportHandler {
  constructor(private readonly processor: CatalogImportProcessor) {}

  // One import at a time per worker: it is I/O heavy and long. Resumable, so
  // an expired or retried job continues after the last committed batch.
  @JobHandler('catalog.import', {
    retryLimit: 3,
    retryDelay: 10,
    expireInSeconds: 3600,
    concurrency: 1,
    batchSize: 1,
  })
  async handle(payload: { importId: string }): Promise<void> {
    await this.processor.run(payload.importId);
  }
}
