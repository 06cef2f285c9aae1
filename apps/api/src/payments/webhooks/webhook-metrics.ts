import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';

import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import type { PaymentEventOutcome } from '../payment-event-handler.js';

/**
 * What a webhook delivery came to: the event's outcome when this delivery
 * applied it; `duplicate` when an earlier or concurrent delivery had; `error`
 * when applying it failed (Stripe redelivers); `rejected` when its signature
 * or body did not verify.
 */
export type WebhookDeliveryOutcome = PaymentEventOutcome | 'duplicate' | 'error' | 'rejected';

/**
 * `minishop_webhook_events_total{type,outcome}` on /metrics. The type is the
 * verified event's (Stripe's own, a bounded set); a delivery that did not
 * verify counts as `unverified`, so nobody can grow the series by posting.
 * Webhooks reach the API, whose registry is scraped; events the catch-up
 * took in are counted from the database instead (CaughtUpEventMetrics).
 */
@Injectable()
export class WebhookMetrics {
  private readonly deliveries: Counter<'type' | 'outcome'>;

  constructor(metrics: MetricsService) {
    this.deliveries = metrics.counter({
      name: 'minishop_webhook_events_total',
      help: 'Stripe webhook deliveries, by event type and what the delivery came to',
      labelNames: ['type', 'outcome'],
    });
  }

  delivered(type: string | undefined, outcome: WebhookDeliveryOutcome): void {
    this.deliveries.inc({ type: type ?? 'unverified', outcome });
  }
}
