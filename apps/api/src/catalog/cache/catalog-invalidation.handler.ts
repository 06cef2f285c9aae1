import { Injectable } from '@nestjs/common';

import { JobHandler } from '../../jobs/job-handler.decorator.js';
import { CatalogCache } from './catalog-cache.js';

/**
 * Runs the invalidation a catalog write enqueued in its transaction, when
 * the writing process did not withdraw it (see CatalogChanges).
 */
@Injectable()
export class CatalogInvalidationHandler {
  constructor(private readonly cache: CatalogCache) {}

  // Idempotent: a second run only moves the generation once more.
  @JobHandler('catalog.invalidate', { retryLimit: 10, retryDelay: 2, retryBackoff: true })
  async invalidate(): Promise<void> {
    // Failed, so that the queue tries again, in any process, should this one stop.
    if (!(await this.cache.invalidate()))
      throw new Error('the catalog cache store refused the invalidation');
  }
}
