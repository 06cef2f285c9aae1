import type { EntityManager } from 'typeorm';

import type { PaymentEventOutcome } from '../payment-event-handler.js';
import type { PaymentEvent } from '../stripe-event.js';
import type { PaymentEventArrival, PaymentEventStatus } from './payment-event.orm-entity.js';

/**
 * A delivery's attempt to take an event for handling:
 * - `claimed`: this delivery holds the lease until it marks the event
 *   handled or failed (or the lease runs out), and handles it;
 * - `busy`: another delivery holds a live lease on it;
 * - `settled`: the event is in none of the statuses asked for (handled).
 */
export type EventClaim =
  { kind: 'claimed'; event: PaymentEvent; token: string } | { kind: 'busy' } | { kind: 'settled' };

/** Events of one type and status, of those the catch-up stored. */
export interface CaughtUpCount {
  type: string;
  status: PaymentEventStatus;
  count: number;
}

/** Port of the webhook intake's store of received events. */
export abstract class PaymentEventRepository {
  /**
   * Stores the event unless its id is known; true when this call stored it.
   * `via` is kept with it: how it first arrived.
   */
  abstract recordIfNew(event: PaymentEvent, via: PaymentEventArrival): Promise<boolean>;

  /**
   * Claims the event for `leaseMs` when it is in one of `statuses` and no
   * live lease holds it, in a statement of its own (no transaction is left
   * open while the holder calls the provider). A lease past its end, left
   * by a process that died, is taken over.
   */
  abstract claim(
    id: string,
    statuses: readonly PaymentEventStatus[],
    leaseMs: number,
  ): Promise<EventClaim>;

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

  /**
   * Also ends the lease, when it is still the one of `token`: a delivery
   * that took the event over after this one's lease ran out keeps its own.
   * `reason`: why the event could not be used, kept as its last error.
   */
  abstract markHandled(
    id: string,
    outcome: PaymentEventOutcome,
    token: string,
    manager: EntityManager,
    reason?: string,
  ): Promise<void>;

  /**
   * Ends the lease of `token` without changing the event: the holder found
   * another transaction handling it and leaves it to that one.
   */
  abstract release(id: string, token: string): Promise<void>;

  /**
   * Outside any transaction: the handling one was rolled back. Records the
   * error and sets `status`: `failed` for a delivery (Stripe redelivers it),
   * `deferred` for an event being re-applied (nothing else would try again).
   * Only while the lease is still the one of `token`, which it ends; a
   * delivery that took the event over meanwhile owns its outcome.
   */
  abstract markFailed(
    id: string,
    error: string,
    status: 'failed' | 'deferred',
    token: string,
  ): Promise<void>;

  /**
   * Which of `objectIds` (charges) have deferred events, read on `manager`
   * (the transaction that booked their payment).
   */
  abstract withDeferredEvents(
    objectIds: readonly string[],
    manager: EntityManager,
  ): Promise<string[]>;

  /** Ids of deferred events, oldest (by Stripe's creation time) first. */
  abstract deferredIds(filter: { objectId?: string; limit: number }): Promise<string[]>;

  /**
   * Deferred events, oldest (by Stripe's creation time, then id) first: the
   * `limit` after `after`, the last event of the page before. With
   * `belowAttempts`, only those tried fewer times than that.
   */
  abstract deferredPage(filter: {
    after?: PaymentEvent;
    limit: number;
    belowAttempts?: number;
  }): Promise<PaymentEvent[]>;
  /** How many deferred events were tried `attempts` times or more. */
  abstract deferredTriedAtLeast(attempts: number): Promise<number>;

  abstract status(id: string): Promise<PaymentEventStatus | null>;

  /** Which of `ids` are stored and settled: processed, deferred or ignored (not pending or failed). */
  abstract settledIds(ids: readonly string[]): Promise<Set<string>>;

  /**
   * The events the catch-up stored (their webhook never came) in the last
   * `seconds`, by the database's clock, counted by type and current status.
   */
  abstract caughtUpCounts(seconds: number): Promise<CaughtUpCount[]>;
}
