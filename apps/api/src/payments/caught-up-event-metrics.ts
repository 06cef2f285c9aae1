import { Injectable } from '@nestjs/common';

import { MetricsService } from '../infrastructure/metrics/metrics.service.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';

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
  constructor(metrics: MetricsService, events: PaymentEventRepository) {
    metrics.scrapedGauge({
      name: 'minishop_payment_events_caught_up',
      help: 'Stripe events the catch-up took in over the last hour because their webhook never came, by type and current status',
      labelNames: ['type', 'status'],
      minRefreshMs: MIN_REFRESH_MS,
      read: () => events.caughtUpCounts(CAUGHT_UP_WINDOW_SECONDS),
      show: (gauge, counts) => {
        // Only what the hour holds: a type and status it no longer has go.
        gauge.reset();
        for (const { type, status, count } of counts) gauge.set({ type, status }, count);
      },
    });
  }
}
