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
   * as it runs in the worker or the command line.
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
    if ((outcome === 'processed' || outcome === null) && event.type.startsWith('payment_intent.')) {
      await this.reapplyDeferredOf(event);
    }
    return { firstDelivery, outcome };
  }

  /**
   * A payment that landed may unblock events deferred until it did (a
   * refund delivered before the payment it refunds). Its own commit is done,
   * so the re-applied events see it. Also after a delivery that found the
   * event handled already (null): the earlier one may have died, or failed
   * here, before re-applying them, and Stripe redelivers the payment exactly
   * because that delivery was never answered. Only the events of this
   * payment's charges (what is deferred is filed under its charge): events
   * waiting for other orders, however many, never crowd them out. A failure
   * here does not fail the delivery: the payment is booked, and the job
   * `payments.reapply-deferred-events` (DeferredEventRetry) re-applies what
   * is left deferred.
   */
  private async reapplyDeferredOf(event: PaymentEvent): Promise<void> {
    for (const charge of chargesOf(event.data.object)) {
      await this.processor.reapplyDeferredOfCharge(charge, { eventId: event.id });
    }
  }
}

/**
 * The ids of a PaymentIntent's charges, whether Stripe sent them as an id or
 * expanded. Since API version 2022-11-15 an intent names its `latest_charge`;
 * a webhook endpoint pinned to an older version gets the list `charges`
 * instead, and the payment's charge is among them.
 */
function chargesOf(intent: unknown): string[] {
  const { latest_charge: latest, charges } = intent as {
    latest_charge?: unknown;
    charges?: { data?: unknown } | null;
  };
  const ids = new Set<string>();
  const add = (charge: unknown) => {
    const id = typeof charge === 'string' ? charge : (charge as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id.length > 0) ids.add(id);
  };
  add(latest);
  if (Array.isArray(charges?.data)) charges.data.forEach(add);
  return [...ids];
}
