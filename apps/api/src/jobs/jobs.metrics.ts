import { Injectable } from '@nestjs/common';

import { MetricsService } from '../infrastructure/metrics/metrics.service.js';
import { JobsStatusService, type QueueStatus } from './jobs-status.service.js';

const STATES = ['created', 'retry', 'active', 'failed', 'deadLetter'] as const;
const LABEL: Record<(typeof STATES)[number], string> = {
  created: 'created',
  retry: 'retry',
  active: 'active',
  failed: 'failed',
  deadLetter: 'dead_letter',
};

/** Scrapes closer together than this share one count. */
const MIN_REFRESH_MS = 5_000;

/**
 * Queue depths on /metrics, counted at scrape time with the one grouped
 * query JobsStatusService already runs (no per-job bookkeeping on the hot
 * path). `completed` is left out: it only grows until archived and says
 * nothing an alert needs, and counting it would read hours of finished
 * jobs at every scrape; the rest are read through an index of their own
 * (unfinished-jobs-index.ts).
 */
@Injectable()
export class JobsMetrics {
  constructor(metrics: MetricsService, status: JobsStatusService) {
    metrics.scrapedGauge({
      name: 'minishop_jobs',
      help: 'Jobs per queue and state (dead_letter: waiting in the queue’s dead-letter queue)',
      labelNames: ['queue', 'state'],
      minRefreshMs: MIN_REFRESH_MS,
      read: async (): Promise<QueueStatus[]> => (await status.status({ completed: false })).queues,
      show: (gauge, queues) => {
        gauge.reset();
        for (const q of queues) {
          for (const s of STATES) gauge.set({ queue: q.name, state: LABEL[s] }, q[s]);
        }
      },
    });
  }
}
