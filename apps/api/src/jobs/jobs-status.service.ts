import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { JobRegistry } from './job-registry.js';
import { deadLetterQueueOf } from './jobs.options.js';
import { PgBossRuntime } from './pg-boss-runtime.js';
import { UNFINISHED_STATES } from './unfinished-jobs-index.js';

export interface QueueStatus {
  name: string;
  /** Waiting for a worker (includes jobs scheduled for later). */
  created: number;
  /** Failed at least once, waiting for the next attempt. */
  retry: number;
  active: number;
  completed: number;
  /** Failed for good (retries exhausted), still in the live table. */
  failed: number;
  /** Jobs waiting in this queue's dead-letter queue for someone to look at. */
  deadLetter: number;
}

export interface JobsStatus {
  queues: QueueStatus[];
  totals: Omit<QueueStatus, 'name'>;
}

const STATES = ['created', 'retry', 'active', 'completed', 'failed'] as const;

/** Jobs per queue and state: one row per pair that has any, a queue with none once with a null state. */
export function jobCountsQuery(schema: string, { completed }: { completed: boolean }): string {
  const states = completed ? '' : `AND j.state IN ${UNFINISHED_STATES}`;
  return `SELECT q.name, j.state::text AS state, count(j.id) AS n
            FROM ${schema}.queue q LEFT JOIN ${schema}.job j ON j.name = q.name ${states}
           WHERE q.name NOT LIKE '\\_\\_pgboss\\_\\_%'
           GROUP BY q.name, j.state`;
}

/** Queue depths for the CLI and /metrics. */
@Injectable()
export class JobsStatusService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runtime: PgBossRuntime,
    private readonly registry: JobRegistry,
  ) {}

  /**
   * `completed: false` leaves the completed jobs out (reported as 0): they
   * are most of the table, and only the CLI shows them.
   */
  async status({ completed = true }: { completed?: boolean } = {}): Promise<JobsStatus> {
    const rows: { name: string; state: string; n: string }[] = await this.dataSource.query(
      jobCountsQuery(this.runtime.schema, { completed }),
    );
    const byName = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const counts = byName.get(row.name) ?? {};
      if (row.state) counts[row.state] = Number(row.n);
      byName.set(row.name, counts);
    }
    // A dead-letter queue with a handler of its own (reports.sales.dlq) is
    // still reported with its queue, not as a queue of its own.
    const names = new Set(
      [...byName.keys(), ...this.registry.all().map((j) => j.name)].filter(
        (n) => !n.endsWith('.dlq'),
      ),
    );
    const queues = [...names].sort().map((name): QueueStatus => {
      const c = byName.get(name) ?? {};
      const dlq = byName.get(deadLetterQueueOf(name)) ?? {};
      return {
        name,
        created: c.created ?? 0,
        retry: c.retry ?? 0,
        active: c.active ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
        deadLetter: (dlq.created ?? 0) + (dlq.retry ?? 0) + (dlq.active ?? 0),
      };
    });
    const totals = { created: 0, retry: 0, active: 0, completed: 0, failed: 0, deadLetter: 0 };
    for (const q of queues) {
      for (const key of [...STATES, 'deadLetter'] as const) totals[key] += q[key];
    }
    return { queues, totals };
  }
}
