import { WebhookSignatureError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import {
  unstorableTextIn,
  unstorableTextMessage,
} from '../../infrastructure/database/unstorable-text.js';
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
    // Signed, yet not storable: the event is kept as jsonb before it is
    // applied, and would fail that insert as a 500, which Stripe retries.
    const unstorable = unstorableTextIn(event);
    if (unstorable) {
      throw new WebhookSignatureError(
        `The webhook event cannot be stored: ${unstorableTextMessage(unstorable.path, unstorable.reason)}`,
      );
    }
    return event;
  }
}

/** 9999-12-31T23:59:59Z: the last second a timestamptz shows in four digits. */
const LATEST_CREATED = 253_402_300_799;
/**
 * Stripe's ids and event types are at most 255 characters. Ids are stored
 * and indexed, and a few kilobytes exceed what one index entry can hold:
 * a 500 for every delivery, which Stripe retries for days.
 */
const MAX_ID_LENGTH = 255;

const fits = (value: unknown) => typeof value !== 'string' || value.length <= MAX_ID_LENGTH;

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
    fits(e.id) &&
    typeof e.type === 'string' &&
    fits(e.type) &&
    // Unix seconds, as Stripe sends them; anything else is no time at all.
    Number.isSafeInteger(e.created) &&
    (e.created as number) >= 0 &&
    (e.created as number) <= LATEST_CREATED &&
    typeof e.data?.object === 'object' &&
    e.data.object !== null &&
    // The object's id (a dispute's charge) is stored and indexed beside the event's.
    fits((e.data.object as { id?: unknown }).id) &&
    fits((e.data.object as { charge?: unknown }).charge)
  );
}
