import { Injectable } from '@nestjs/common';

import type { PaymentEventOutcome } from '../payment-event-handler.js';
import { PaymentEventProcessor } from '../payment-event-processor.service.js';
import { PaymentEventRepository } from '../persistence/payment-event.repository.js';
import { StripeWebhookVerifier } from '../stripe/stripe-webhook-verifier.js';
import { WebhookMetrics } from './webhook-metrics.js';

export interface WebhookReceipt {
  eventId: string;
  /** False when the event id had been received before. */
  firstDelivery: boolean;
  /** What this delivery did; null when an earlier or concurrent delivery handled it. */
  outcome: PaymentEventOutcome | null;
}

/**
 * Stripe webhook intake: verify, store, then apply. Storing comes first so
 * that an event is on record even when applying it fails, and so that its id
 * makes every redelivery a no-op.
 */
@Injectable()
export class StripeWebhookService {
  constructor(
    private readonly verifier: StripeWebhookVerifier,
    private readonly events: PaymentEventRepository,
    private readonly processor: PaymentEventProcessor,
    private readonly metrics: WebhookMetrics,
  ) {}

  async receive(
    rawBody: Buffer | string | undefined,
    signature: string | undefined,
  ): Promise<WebhookReceipt> {
    let event;
    try {
      event = await this.verifier.verify(rawBody, signature);
    } catch (error) {
      this.metrics.delivered(undefined, 'rejected');
      throw error;
    }
    let firstDelivery: boolean;
    let outcome: PaymentEventOutcome | null;
    try {
      firstDelivery = await this.events.recordIfNew(event);
      // A redelivery of an event that failed before gets another go. One that
      // arrives while another delivery handles the event waits for it rather
      // than preparing it again (which may call Stripe).
      outcome = await this.processor.apply(event.id, ['pending', 'failed'], { wait: true });
    } catch (error) {
      this.metrics.delivered(event.type, 'error');
      throw error;
    }
    this.metrics.delivered(event.type, outcome ?? 'duplicate');
    if (outcome === 'processed' && event.type.startsWith('payment_intent.')) {
      // A payment that just landed may unblock events deferred until it did
      // (a refund delivered before the payment it refunds). Its own commit is
      // done, so the re-applied events see it; a failure here leaves them
      // deferred for the next run, it does not fail this delivery. Only the
      // refunds of this payment's charge (what is deferred is charge.refunded,
      // filed under its charge): events waiting for other orders, however
      // many, never crowd them out.
      const charge = latestChargeOf(event.data.object);
      if (charge) {
        await this.processor.reprocessDeferred({ objectId: charge }).catch(() => undefined);
      }
    }
    return { eventId: event.id, firstDelivery, outcome };
  }
}

/** The id of a PaymentIntent's latest charge, whether Stripe sent it as an id or expanded. */
function latestChargeOf(intent: unknown): string | undefined {
  const charge = (intent as { latest_charge?: unknown }).latest_charge;
  if (typeof charge === 'string') return charge;
  const id = (charge as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
