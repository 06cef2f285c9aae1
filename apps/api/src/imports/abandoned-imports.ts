import { Injectable, Logger } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { JobHandler } from '../jobs/job-handler.decorator.js';
import { ImportRepository } from './persistence/import.repository.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Every ten minutes: fail command-line imports whose command was killed outright. */
    'imports.fail-abandoned': Record<string, never>;
  }
}

/**
 * How long a command-line import may go without a batch before it counts as
 * abandoned. A batch (IMPORT_BATCH_SIZE lines, one transaction) takes well
 * under a second. One waiting longer on another transaction's lock holds
 * the import's row, which the sweep skips, and moves it when it commits
 * (see ImportRepository.failAbandoned and advance).
 */
export const ABANDONED_AFTER_SECONDS = 15 * 60;

export const ABANDONED =
  'The command importing this file stopped without finishing (killed, or its machine lost); run catalog:import again to import the rest';

/**
 * `catalog:import` marks its import failed when it is stopped (Ctrl-C,
 * SIGTERM), but a command killed outright, or whose machine died, marks
 * nothing: no job owns that import, so without this it would show as
 * running for ever, and whoever polls it would wait for ever.
 */
@Injectable()
export class AbandonedImports {
  private readonly logger = new Logger(AbandonedImports.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly imports: ImportRepository,
  ) {}

  // Idempotent: a failed import is not unfinished any more.
  @JobHandler('imports.fail-abandoned', { schedule: { cron: '*/10 * * * *' }, retryLimit: 1 })
  async runScheduled(): Promise<void> {
    await this.failAbandoned();
  }

  async failAbandoned(): Promise<string[]> {
    const ids = await this.tx.run((m) =>
      this.imports.failAbandoned(m, ABANDONED_AFTER_SECONDS, ABANDONED),
    );
    if (ids.length > 0) {
      this.logger.warn({ importIds: ids }, 'command-line imports abandoned: marked failed');
    }
    return ids;
  }
}
