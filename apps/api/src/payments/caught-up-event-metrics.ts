import { Injectable } from '@nestjs/common';

import { MetricsService } from '../infrastructure/metrics/metrics.service.js';
import {
  type CaughtUpCount,
  PaymentEventRepository,
} from './persistence/payment-event.repository.js';

/** The stretch of time the figures cover, back from the scrape. */
export const CAUGHT_UP_WINDOW_SECONDS = 3_600;

/** Scrapes closer together than this share one count; every instance is scraped on its own. */
const MIN_REFRESH_MS = 15_000;

/**
 * `minishop_payment_events_caught_up{type,status}` on /metrics: the events
 * the catch-up took in over the last hour because their webhook never came,
 * by type and the status each has now. The catch-up runs in the worker or
 * the command line, whose registries nobody scrapes (or that end with the
 * command), so the figures are counted at scrape time from the events'
 * store, where each records how it arrived, and show on every instance
 * that is scraped. Over an hour, the catch-up's own per-run bound keeps
 * the count small however large the store grows. Above zero for a while:
 * Stripe cannot reach the webhook endpoint.
 */
@Injectable()
export class CaughtUpEventMetrics {
  private last: { at: number; counts: CaughtUpCount[] } | undefined;

  constructor(metrics: MetricsService, events: PaymentEventRepository) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    metrics.gauge({
      name: 'minishop_payment_events_caught_up',
      help: 'Stripe events the catch-up took in over the last hour because their webhook never came, by type and current status',
      labelNames: ['type', 'status'],
      async collect() {
        const now = Date.now();
        if (!self.last || now - self.last.at >= MIN_REFRESH_MS) {
          try {
            self.last = { at: now, counts: await events.caughtUpCounts(CAUGHT_UP_WINDOW_SECONDS) };
          } catch {
            // Database unreachable: keep the last figures; readiness reports the outage.
            if (!self.last) return;
          }
        }
        // Only what the hour holds: a type and status it no longer has go.
        this.reset();
        for (const { type, status, count } of self.last.counts) this.set({ type, status }, count);
      },
    });
  }
}
