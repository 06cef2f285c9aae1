import { Injectable } from '@nestjs/common';

import type { PaymentEventOutcome } from '../payment-event-handler.js';
import { PaymentEventIntake } from '../payment-event-intake.js';
import { StripeWebhookVerifier } from '../stripe/stripe-webhook-verifier.js';
import { WebhookMetrics } from './webhook-metrics.js';

export interface WebhookReceipt {
  eventId: string;
  /** False when the event id had been received before. */
  firstDelivery: boolean;
  /** What this delivery did; null when an earlier or concurrent delivery handled it. */
  outcome: PaymentEventOutcome | null;
}

/** Stripe webhook intake: verify the signature, then store and apply (PaymentEventIntake). */
@Injectable()
export class StripeWebhookService {
  constructor(
    private readonly verifier: StripeWebhookVerifier,
    private readonly intake: PaymentEventIntake,
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
    // A redelivery that arrives while another delivery handles the event
    // waits for it.
    const receipt = await this.intake.accept(event, { wait: true, via: 'webhook' });
    return { eventId: event.id, ...receipt };
  }
}
