import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { waitingFor, withAdvisoryLock } from './advisory-lock.js';

// Arbitrary constant: the advisory lock that serialises migration runs.
const MIGRATION_LOCK = 7_305_001;

/**
 * Applies pending migrations. Several instances starting at once take turns
 * on an advisory lock, so each migration runs exactly once.
 * (A queued instance polls for the lock: see withAdvisoryLock.)
 */
@Injectable()
export class MigrationRunner {
  private readonly logger = new Logger('Migrations');

  constructor(private readonly dataSource: DataSource) {}

  async run(): Promise<string[]> {
    return withAdvisoryLock(
      this.dataSource,
      MIGRATION_LOCK,
      async () => {
        const applied = await this.dataSource.runMigrations({ transaction: 'each' });
        for (const m of applied) this.logger.log(`applied ${m.name}`);
        return applied.map((m) => m.name);
      },
      { onWait: (holder, waitedMs) => this.logger.log(waitingFor('migrating', holder, waitedMs)) },
    );
  }
}
