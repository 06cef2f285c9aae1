import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import type { PaymentEvent } from './stripe-event.js';

/**
 * What became of an event:
 * - `processed`: applied (e.g. the order is now paid);
 * - `deferred`: valid, but its object cannot take it yet (e.g. a refund
 *   arriving before the payment it refunds); `reprocessDeferred` retries it;
 * - `ignored`: not ours or not interesting (unknown object, other event type).
 */
export type PaymentEventOutcome = 'processed' | 'deferred' | 'ignored';

/**
 * Applies a verified, stored Stripe event to the shop's state. Called once
 * per event id, inside the transaction that also marks the event handled, so
 * its writes and that mark commit together. Throwing rolls both back; the
 * event is then recorded as failed and Stripe's retry applies it again (or,
 * when it was a deferred event being re-applied, it stays deferred).
 *
 * The orders module provides the real one through `PaymentsModule.register`.
 */
export abstract class PaymentEventHandler {
  abstract handle(event: PaymentEvent, manager: EntityManager): Promise<PaymentEventOutcome>;
}

/** Until a module takes payment events, each is acknowledged and recorded as ignored. */
@Injectable()
export class IgnoringPaymentEventHandler extends PaymentEventHandler {
  async handle(): Promise<PaymentEventOutcome> {
    return 'ignored';
  }
}
