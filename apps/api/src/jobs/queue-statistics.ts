import type { Logger } from '@nestjs/common';
import type { Pool } from 'pg';

import { errorMessage } from '../infrastructure/logging/error-message.js';

/**
 * Gives a queue's job table its first statistics once it has a backlog.
 * The jobs pool plans pg-boss' statements once per connection (generic
 * plans, see jobs-pool.ts); planned while a queue's partition had never
 * been analyzed, its fetch and completion join each batch to the whole
 * partition row by row, about six times slower with a few thousand jobs
 * waiting, until autovacuum's first analyze of it, up to a minute or more
 * later. A fresh deployment, or a queue's first burst, would be worked
 * that slowly. ANALYZE replaces those plans on every connection.
 */
export class QueueStatistics {
  /** Queues looked at by this process: at most once each. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly logger: Logger,
  ) {}

  /**
   * A fetch of `queue` came back full: jobs are waiting. The first time,
   * analyzes its table if it has never been; in the background, and a
   * failure (a role that may not analyze it) is only logged.
   */
  backlogSeen(queue: string): void {
    if (this.seen.has(queue)) return;
    this.seen.add(queue);
    this.analyzeIfNeverAnalyzed(queue).catch((error: unknown) =>
      this.logger.warn(`Could not analyze the job table of queue ${queue}: ${errorMessage(error)}`),
    );
  }

  /** Whether it analyzed the table (false: it had statistics, or no table was found). */
  async analyzeIfNeverAnalyzed(queue: string): Promise<boolean> {
    // reltuples is -1 until the table is first vacuumed or analyzed.
    const { rows } = await this.pool.query<{ partition: string }>(
      `SELECT format('%I.%I', $2::text, q.partition_name) AS partition
         FROM ${this.schema}.queue q
         JOIN pg_class c ON c.oid = to_regclass(format('%I.%I', $2::text, q.partition_name))
        WHERE q.name = $1 AND c.reltuples < 0`,
      [queue, this.schema],
    );
    const [row] = rows;
    if (!row) return false;
    await this.pool.query(`ANALYZE ${row.partition}`);
    this.logger.log(`Analyzed the job table of queue ${queue}: it had no statistics yet`);
    return true;
  }
}
