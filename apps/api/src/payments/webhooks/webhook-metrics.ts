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

/** What taking in an event the webhook missed came to; `duplicate` when a delivery got there first. */
export type CaughtUpOutcome = PaymentEventOutcome | 'duplicate' | 'error';

/**
 * `minishop_webhook_events_total{type,outcome}` on /metrics. The type is the
 * verified event's (Stripe's own, a bounded set); a delivery that did not
 * verify counts as `unverified`, so nobody can grow the series by posting.
 * Events the catch-up took in because their webhook never came count apart,
 * in `minishop_payment_events_caught_up_total{type,outcome}`: a steady rate
 * there means Stripe cannot reach the webhook endpoint.
 */
@Injectable()
export class WebhookMetrics {
  private readonly deliveries: Counter<'type' | 'outcome'>;
  private readonly caughtUpEvents: Counter<'type' | 'outcome'>;

  constructor(metrics: MetricsService) {
    this.deliveries = metrics.counter({
      name: 'minishop_webhook_events_total',
      help: 'Stripe webhook deliveries, by event type and what the delivery came to',
      labelNames: ['type', 'outcome'],
    });
    this.caughtUpEvents = metrics.counter({
      name: 'minishop_payment_events_caught_up_total',
      help: 'Stripe events taken in by the catch-up because their webhook never came, by type and outcome',
      labelNames: ['type', 'outcome'],
    });
  }

  delivered(type: string | undefined, outcome: WebhookDeliveryOutcome): void {
    this.deliveries.inc({ type: type ?? 'unverified', outcome });
  }

  caughtUp(type: string, outcome: CaughtUpOutcome): void {
    this.caughtUpEvents.inc({ type, outcome });
  }
}
