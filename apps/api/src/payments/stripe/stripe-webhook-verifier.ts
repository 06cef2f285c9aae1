import { WebhookSignatureError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../infrastructure/config/app-config.js';
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
    if (!isEventShaped(event)) {
      throw new WebhookSignatureError('The webhook body is not a Stripe event');
    }
    return event;
  }
}

function isEventShaped(value: unknown): value is PaymentEvent {
  const e = value as {
    id?: unknown;
    type?: unknown;
    created?: unknown;
    data?: { object?: unknown };
  };
  return (
    typeof e?.id === 'string' &&
    e.id.length > 0 &&
    typeof e.type === 'string' &&
    typeof e.created === 'number' &&
    typeof e.data?.object === 'object' &&
    e.data.object !== null
  );
}
