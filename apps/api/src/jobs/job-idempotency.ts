import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { JobHandler } from './job-handler.decorator.js';

/** How long an idempotency record is kept; far longer than any retry chain. */
export const PROCESSED_JOBS_RETENTION_DAYS = 30;

/**
 * The idempotency rule of job handlers: a job may run more than once (a
 * worker dies after the effect but before the job is marked done, a job
 * times out, a retry after a partial failure). Every handler therefore either
 *  - is naturally idempotent (a conditional UPDATE such as
 *    `... SET status = 'expired' WHERE id = $1 AND status = 'pending_payment'`,
 *    an upsert, overwriting a file by a fixed name), or
 *  - applies its database effect through `once()`, which records a business
 *    key in `processed_jobs` in the same transaction as the effect: the second
 *    run finds the key and does nothing.
 * Effects outside the database (an e-mail, an API call) cannot share the
 * transaction; they are at-least-once and should carry a stable id (the job
 * id as Message-ID, Stripe's idempotency key) so the receiver can deduplicate.
 */
@Injectable()
export class JobIdempotency {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `effect` in `manager`'s transaction unless `key` was processed
   * before; returns whether it ran. A concurrent run with the same key waits
   * on the row lock and then skips.
   */
  async once(
    manager: EntityManager,
    key: string,
    effect: () => Promise<void>,
    jobId?: string,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO processed_jobs (key, job_id) VALUES ($1, $2)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, jobId ?? null],
    );
    if (rows.length === 0) return false;
    await effect();
    return true;
  }

  @JobHandler('jobs.prune-processed', { schedule: { cron: '17 3 * * *' }, retryLimit: 2 })
  async prune(): Promise<number> {
    const [, deleted]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM processed_jobs WHERE processed_at < now() - make_interval(days => $1)`,
      [PROCESSED_JOBS_RETENTION_DAYS],
    );
    return deleted;
  }
}
