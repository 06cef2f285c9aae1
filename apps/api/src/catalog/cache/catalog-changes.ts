import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { onCommit } from '../../infrastructure/database/transaction-runner.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { CatalogCache } from './catalog-cache.js';

/** The channel every catalog write notifies at commit (see CatalogChangeListener). */
export const CATALOG_CHANGED_CHANNEL = 'catalog_changed';

/**
 * How long the invalidation job of a write waits before it runs: time for
 * the writing process to invalidate itself and withdraw it. It runs only
 * when that process did not (it died after the commit, or Redis refused
 * it), so this is also how long a shared cache may then serve pages cached
 * before the write.
 */
export const CATALOG_INVALIDATION_BACKSTOP_SECONDS = 5;

declare module '../../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Enqueued with every catalog write: moves the shared cache to a new generation. */
    'catalog.invalidate': Record<string, never>;
  }
}

/**
 * How a catalog write makes every process stop serving pages cached before
 * it. `record(m)`, called inside the write's transaction (one that
 * TransactionRunner opened), carries three things:
 *
 * - a notification on CATALOG_CHANGED_CHANNEL, which PostgreSQL delivers at
 *   commit (never on rollback) to every process listening: in-process
 *   caches of other processes drop their pages (CatalogChangeListener);
 * - a `catalog.invalidate` job, which moves a shared store (Redis) to a new
 *   generation even if this process dies between the commit and its own
 *   invalidation;
 * - after commit, before the use case returns, the invalidation here and
 *   now (`committed`), so whoever made the write reads it on their next
 *   request; once the store has taken it, the job is withdrawn.
 */
@Injectable()
export class CatalogChanges {
  private readonly logger = new Logger(CatalogChanges.name);
  /**
   * Sent with this app's notifications: its own listener skips them, as the
   * write's after-commit invalidation has dropped its pages already, and a
   * second drop a moment later would only cost every hot page another miss.
   */
  readonly writerId = randomUUID();

  constructor(
    private readonly cache: CatalogCache,
    private readonly jobs: JobQueue,
  ) {}

  async record(m: EntityManager): Promise<void> {
    await m.query('SELECT pg_notify($1, $2)', [CATALOG_CHANGED_CHANNEL, this.writerId]);
    // One job per write, no dedupe key: a job that a later write joined
    // could run before that write commits and leave its pages cached.
    const job = await this.jobs.enqueue(
      'catalog.invalidate',
      {},
      { manager: m, startAfter: CATALOG_INVALIDATION_BACKSTOP_SECONDS },
    );
    onCommit(m, () => this.committed(job));
  }

  /** After commit: invalidates in this process; `job` is the write's safety net. */
  async committed(job: string | null): Promise<void> {
    if (!(await this.cache.invalidate()) || job === null) return;
    await this.jobs.withdraw('catalog.invalidate', job).catch((error: unknown) => {
      // It will only invalidate once more.
      this.logger.warn({ err: error }, 'catalog invalidation job not withdrawn');
    });
  }
}
