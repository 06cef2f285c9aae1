import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import type { JobContext } from '../jobs/job-payloads.js';
import { givingUpAfterLastAttempt } from '../jobs/last-attempt.js';
import { CatalogImportProcessor } from './catalog-import.processor.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Process a recorded catalog import (see CatalogImportProcessor). */
    'catalog.import': { importId: string };
    /**
     * A `catalog.import` job that will not run again, as pg-boss dead-letters
     * it: its last attempt failed, outlived its expiry or lost its worker.
     */
    'catalog.import.dlq': { importId: string };
  }
}

const RETRY_LIMIT = 3;

@Injectable()
export class CatalogImportHandler {
  constructor(private readonly processor: CatalogImportProcessor) {}

  // One import at a time per worker: it is I/O heavy and long. Resumable, so
  // an expired or retried job continues after the last committed batch.
  @JobHandler('catalog.import', {
    retryLimit: RETRY_LIMIT,
    retryDelay: 10,
    expireInSeconds: 3600,
    concurrency: 1,
    batchSize: 1,
  })
  async handle(payload: { importId: string }, job: JobContext): Promise<void> {
    await givingUpAfterLastAttempt(
      job,
      RETRY_LIMIT,
      () => this.processor.run(payload.importId),
      () => this.processor.giveUp(payload.importId),
    );
  }

  /**
   * The last attempt ended without a word from the handler above (it
   * outlived its expiry, or the worker died on it): without this the import
   * stayed `running` for ever, and whoever uploaded it polled for ever.
   */
  // The name pg-boss dead-letters `catalog.import` to (deadLetterQueueOf).
  @JobHandler('catalog.import.dlq', { retryDelay: 10 })
  async giveUp(payload: { importId: string }): Promise<void> {
    await this.processor.giveUp(payload.importId);
  }
}
