import { setTimeout as sleep } from 'node:timers/promises';

import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';

// Arbitrary constant: the advisory lock that serialises migration runs.
const MIGRATION_LOCK = 7_305_001;
/** How often an instance queued behind another's migrations asks for the lock again. */
const RETRY_MS = 200;

/**
 * Applies pending migrations. Several instances starting at once take turns
 * on an advisory lock, so each migration runs exactly once.
 *
 * A queued instance asks for the lock again and again rather than waiting
 * in pg_advisory_lock(): a waiting statement keeps its snapshot, and an
 * index built CONCURRENTLY by the instance holding the lock waits for every
 * older snapshot of the database to end. The two would wait for each other
 * for ever.
 */
@Injectable()
export class MigrationRunner {
  private readonly logger = new Logger('Migrations');

  constructor(private readonly dataSource: DataSource) {}

  async run(): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await this.lock(runner);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      for (const m of applied) this.logger.log(`applied ${m.name}`);
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  }

  private async lock(runner: QueryRunner): Promise<void> {
    for (let waited = false; ; waited = true) {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS taken', [
        MIGRATION_LOCK,
      ])) as { taken: boolean }[];
      if (row?.taken) return;
      if (!waited) this.logger.log('another instance is migrating; waiting for it');
      await sleep(RETRY_MS);
    }
  }
}
