import { WebhookSignatureError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { NOT_AN_EVENT, paymentEventDefectOf } from '../payment-event-shape.js';
import type { PaymentEvent } from '../stripe-event.js';
import { loadStripeSdk } from './stripe-sdk.js';

/** Stripe's default: a signature older than five minutes is a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Checks `Stripe-Signature` over the exact bytes received, then parses the event. */
@Injectable()
export class StripeWebhookVerifier {
  constructor(private readonly config: AppConfig) {}

  async verify(
    rawBody: Buffer | string | undefined,
    signature: string | undefined,
  ): Promise<PaymentEvent> {
    if (!signature) throw new WebhookSignatureError('The Stripe-Signature header is missing');
    if (rawBody === undefined || rawBody.length === 0) {
      throw new WebhookSignatureError('The webhook body is empty');
    }
    const Stripe = await loadStripeSdk();
    let event: unknown;
    try {
      event = Stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.config.stripeWebhookSecret,
        WEBHOOK_TOLERANCE_SECONDS,
      );
    } catch (error) {
      throw new WebhookSignatureError(
        error instanceof Stripe.errors.StripeSignatureVerificationError
          ? `The webhook signature does not verify: ${error.message.split('\n')[0]}`
          : 'The webhook body is not a Stripe event',
      );
    }
    const defect = paymentEventDefectOf(event);
    if (defect === NOT_AN_EVENT) {
      throw new WebhookSignatureError('The webhook body is not a Stripe event');
    }
    // Signed, yet not storable: see paymentEventDefectOf.
    if (defect) throw new WebhookSignatureError(`The webhook event ${defect}`);
    return event as PaymentEvent;
  }
}
