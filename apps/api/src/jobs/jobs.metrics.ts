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
 * nothing an alert needs.
 */
@Injectable()
export class JobsMetrics {
  private last: { at: number; queues: QueueStatus[] } | undefined;

  constructor(metrics: MetricsService, status: JobsStatusService) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    metrics.gauge({
      name: 'minishop_jobs',
      help: 'Jobs per queue and state (dead_letter: waiting in the queue’s dead-letter queue)',
      labelNames: ['queue', 'state'],
      async collect() {
        const now = Date.now();
        if (!self.last || now - self.last.at >= MIN_REFRESH_MS) {
          try {
            self.last = { at: now, queues: (await status.status()).queues };
          } catch {
            // Database unreachable: keep the last figures; readiness reports the outage.
            return;
          }
        }
        this.reset();
        for (const q of self.last.queues) {
          for (const s of STATES) this.set({ queue: q.name, state: LABEL[s] }, q[s]);
        }
      },
    });
  }
}
