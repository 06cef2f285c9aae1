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
 * Applies a verified, stored Stripe event to the shop's state, in two steps.
 *
 * `prepare` runs first, outside any transaction and with no lock held: it is
 * where the provider is called when an event needs it, so that no provider
 * call, however slow, holds up the rows `handle` locks. It may run more than
 * once for one event (redeliveries, concurrent deliveries, a preparation
 * found stale), so whatever it asks of the provider is a read or idempotent.
 *
 * `handle` then runs once per event id, inside the transaction that also
 * marks the event handled, so its writes and that mark commit together.
 * Throwing rolls both back; the event is then recorded as failed and Stripe's
 * retry applies it again (or, when it was a deferred event being re-applied,
 * it stays deferred). When what `prepare` read no longer holds under the
 * lock, `handle` throws `StalePreparationError` and both steps run again.
 * An event that cannot be applied whatever is tried again throws
 * `UnusablePaymentEventError` from either step.
 *
 * The orders module provides the real one through `PaymentsModule.register`.
 */
export abstract class PaymentEventHandler<Prepared = unknown> {
  prepare(_event: PaymentEvent): Promise<Prepared | undefined> {
    return Promise.resolve(undefined);
  }

  abstract handle(
    event: PaymentEvent,
    manager: EntityManager,
    prepared?: Prepared,
  ): Promise<PaymentEventOutcome>;

  /**
   * Of deferred events, the ids of those whose object may take them now
   * (their payment has been booked), read without a lock: the scheduled
   * re-application applies only these, so events still waiting, however
   * many, cost it one read. A wrong guess costs no more than a wasted
   * attempt: `handle` decides again under the lock, and defers again.
   * Default: every one of them.
   */
  applicableNow(events: readonly PaymentEvent[]): Promise<ReadonlySet<string>> {
    return Promise.resolve(new Set(events.map((e) => e.id)));
  }
}

/**
 * What `prepare` read changed before `handle` could lock what it applies to
 * (another event or a request wrote the order in between): prepare again.
 */
export class StalePreparationError extends Error {
  constructor(what: string) {
    super(`${what} changed while the event was being prepared`);
  }
}

/**
 * The event can never be applied as sent: its object lacks what the handler
 * reads, or names something the provider does not know. A verified event is
 * the provider's, so refusing it (4xx) or failing on it (5xx) would only
 * have it redelivered for days, to the same end; the processor acknowledges
 * it, recorded as `ignored` with this message as the reason, and nothing
 * the handler wrote for it stays. Thrown from `prepare` or `handle`.
 */
export class UnusablePaymentEventError extends Error {}

/** Until a module takes payment events, each is acknowledged and recorded as ignored. */
@Injectable()
export class IgnoringPaymentEventHandler extends PaymentEventHandler {
  async handle(): Promise<PaymentEventOutcome> {
    return 'ignored';
  }
}
