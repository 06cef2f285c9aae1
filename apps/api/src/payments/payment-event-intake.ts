import { Injectable } from '@nestjs/common';

import type { PaymentEventOutcome } from './payment-event-handler.js';
import { PaymentEventProcessor } from './payment-event-processor.service.js';
import type { PaymentEventArrival } from './persistence/payment-event.orm-entity.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';
import type { PaymentEvent } from './stripe-event.js';
import { WebhookMetrics } from './webhooks/webhook-metrics.js';

export interface EventReceipt {
  /** False when the event id had been received before. */
  firstDelivery: boolean;
  /** What this delivery did; null when an earlier or concurrent delivery handled it. */
  outcome: PaymentEventOutcome | null;
}

/**
 * Takes in one event from the provider, whichever way it came (its webhook,
 * or the catch-up on events the webhook missed): store, then apply. Storing
 * comes first so that an event is on record even when applying it fails,
 * and so that its id makes every other delivery of it a no-op.
 */
@Injectable()
export class PaymentEventIntake {
  constructor(
    private readonly events: PaymentEventRepository,
    private readonly processor: PaymentEventProcessor,
    private readonly metrics: WebhookMetrics,
  ) {}

  /**
   * `wait`: a delivery that finds another one handling the event waits for
   * it rather than preparing the event again (which may call the provider);
   * without it, PaymentEventInProgressError at once. `via`: how it came,
   * recorded with an event stored here first. A webhook delivery is also
   * counted in this process' metrics (the API's, which are scraped); what
   * the catch-up takes in is counted from the store (CaughtUpEventMetrics),
   * as it runs in the worker or the command line. Nothing after the apply:
   * the events a payment unblocks are re-applied by a job its transaction
   * enqueued (DeferredEventsAfterPayment), so the reply never waits for them.
   */
  async accept(
    event: PaymentEvent,
    options: { wait: boolean; via: PaymentEventArrival },
  ): Promise<EventReceipt> {
    const webhook = options.via === 'webhook';
    let firstDelivery: boolean;
    let outcome: PaymentEventOutcome | null;
    try {
      firstDelivery = await this.events.recordIfNew(event, options.via);
      // A delivery of an event that failed before gets another go.
      outcome = await this.processor.apply(event.id, ['pending', 'failed'], {
        wait: options.wait,
      });
    } catch (error) {
      if (webhook) this.metrics.delivered(event.type, 'error');
      throw error;
    }
    if (webhook) this.metrics.delivered(event.type, outcome ?? 'duplicate');
    return { firstDelivery, outcome };
  }
}
