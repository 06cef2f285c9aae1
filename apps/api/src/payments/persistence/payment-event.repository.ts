import type { EntityManager } from 'typeorm';

import type { PaymentEventOutcome } from '../payment-event-handler.js';
import type { PaymentEvent } from '../stripe-event.js';
import type { PaymentEventStatus } from './payment-event.orm-entity.js';

/** Port of the webhook intake's store of received events. */
export abstract class PaymentEventRepository {
  /** Stores the event unless its id is known; true when this call stored it. */
  abstract recordIfNew(event: PaymentEvent): Promise<boolean>;

  /** The event when it is in one of `statuses`, read without a lock. */
  abstract findForHandling(
    id: string,
    statuses: readonly PaymentEventStatus[],
  ): Promise<PaymentEvent | null>;

  /**
   * Locks the event for handling when it is in one of `statuses`. Returns
   * null when it is not, or when another transaction holds it right now (that
   * one handles it; waiting would only hand it over twice).
   */
  abstract lockForHandling(
    id: string,
    statuses: readonly PaymentEventStatus[],
    manager: EntityManager,
  ): Promise<PaymentEvent | null>;

  abstract markHandled(
    id: string,
    outcome: PaymentEventOutcome,
    manager: EntityManager,
  ): Promise<void>;

  /**
   * Outside any transaction: the handling one was rolled back. Records the
   * error and sets `status`: `failed` for a delivery (Stripe redelivers it),
   * `deferred` for an event being re-applied (nothing else would try again).
   */
  abstract markFailed(id: string, error: string, status: 'failed' | 'deferred'): Promise<void>;

  /** Ids of deferred events, oldest (by Stripe's creation time) first. */
  abstract deferredIds(filter: { objectId?: string; limit: number }): Promise<string[]>;

  abstract status(id: string): Promise<PaymentEventStatus | null>;
}
