import { setTimeout as sleep } from 'node:timers/promises';

import { PaymentEventBusyError, PaymentEventInProgressError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { RequestAlreadyAnsweredError } from '../infrastructure/http/request-deadline-scope.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { DeferredEventsAfterPayment } from './deferred-events-after-payment.js';
import {
  PaymentEventHandler,
  type PaymentEventOutcome,
  StalePreparationError,
  UnusablePaymentEventError,
} from './payment-event-handler.js';
import type { PaymentEventStatus } from './persistence/payment-event.orm-entity.js';
import { type EventClaim, PaymentEventRepository } from './persistence/payment-event.repository.js';
import type { PaymentEvent } from './stripe-event.js';

/** Preparations of one event before it is left to Stripe's next delivery. */
const MAX_PREPARATIONS = 3;

/** Deferred events read at once by the scheduled re-application. */
const REAPPLY_PAGE = 200;

/** How often a duplicate delivery looks whether the holder is done (PAYMENT_EVENT_WAIT_MS). */
const DUPLICATE_POLL_MS = 100;

export interface ReprocessSummary {
  processed: number;
  deferred: number;
  ignored: number;
  /** Taken by a concurrent run or already handled meanwhile. */
  skipped: number;
}

/**
 * Hands stored Stripe events to the `PaymentEventHandler`, each at most once
 * to success: the event row is locked and its status checked in the same
 * transaction as the handler's writes.
 *
 * Before that, a delivery claims the event (a lease, in a statement of its
 * own), so only one delivery at a time prepares it: the handler's provider
 * calls (a late payment's refund) are made once however many deliveries of
 * the event arrive together. No lock is held across those calls; the lease
 * is a column, and a holder that dies leaves it to run out.
 */
@Injectable()
export class PaymentEventProcessor {
  private readonly logger = new Logger(PaymentEventProcessor.name);

  constructor(
    private readonly events: PaymentEventRepository,
    private readonly handler: PaymentEventHandler,
    private readonly tx: TransactionRunner,
    private readonly config: AppConfig,
    private readonly afterPayment: DeferredEventsAfterPayment,
  ) {}

  /**
   * Applies one stored event if it is in one of `from`; null when there was
   * nothing to do (already handled, or handled by a concurrent delivery
   * while this one waited for it). A delivery that finds another holding the
   * event waits for it (`wait`): null once that one handled it, or this one
   * takes it over when that one failed. Still held after the wait, or at
   * once without `wait`: `PaymentEventInProgressError`.
   * A handler failure is recorded and rethrown; the event becomes `failed`
   * (Stripe's redelivery applies it again), or stays `deferred` when it was
   * being re-applied (Stripe had its 200 and never sends it again). So does
   * a preparation found stale `MAX_PREPARATIONS` times in a row, as
   * `PaymentEventBusyError`. An event the handler finds unusable is
   * recorded `ignored` with the reason.
   */
  async apply(
    id: string,
    from: readonly PaymentEventStatus[],
    options: { wait?: boolean } = {},
  ): Promise<PaymentEventOutcome | null> {
    const claim = await this.claim(id, from, options.wait === true);
    if (claim === null) return null;
    const onFailure = from.includes('deferred') ? 'deferred' : 'failed';
    try {
      for (let preparation = 1; ; preparation++) {
        try {
          return await this.applyOnce(claim, from);
        } catch (error) {
          if (error instanceof UnusablePaymentEventError) {
            return await this.ignore(claim, from, error.message);
          }
          if (!(error instanceof StalePreparationError)) throw error;
          // A burst of events or requests on the same order: a moment later
          // it will have passed, so the provider is told to deliver the
          // event again (a 409, not a 5xx: nothing is broken).
          if (preparation >= MAX_PREPARATIONS) throw new PaymentEventBusyError(id);
        }
      }
    } catch (error) {
      const message = errorMessage(error);
      if (error instanceof PaymentEventBusyError) {
        this.logger.warn({ eventId: id }, 'payment event left for redelivery: its order is busy');
      } else if (error instanceof RequestAlreadyAnsweredError) {
        // Its webhook was answered 503 at the deadline: Stripe delivers it again.
        this.logger.warn({ eventId: id }, 'payment event left for redelivery: ' + message);
      } else {
        this.logger.error({ err: error, eventId: id }, 'payment event handling failed');
      }
      await this.events.markFailed(id, message, onFailure, claim.token).catch(() => undefined);
      throw error;
    }
  }

  private async claim(
    id: string,
    from: readonly PaymentEventStatus[],
    wait: boolean,
  ): Promise<Extract<EventClaim, { kind: 'claimed' }> | null> {
    const { leaseMs, duplicateWaitMs } = this.config.paymentEvents;
    const deadline = Date.now() + (wait ? duplicateWaitMs : 0);
    for (;;) {
      const claim = await this.events.claim(id, from, leaseMs);
      if (claim.kind === 'claimed') return claim;
      if (claim.kind === 'settled') return null;
      if (Date.now() >= deadline) throw new PaymentEventInProgressError(id);
      await sleep(DUPLICATE_POLL_MS);
    }
  }

  /**
   * The handler's provider calls first, with no transaction open, then its
   * writes under the event's row lock, and with them the re-application of
   * the events a payment unblocks, as a job (DeferredEventsAfterPayment).
   */
  private async applyOnce(
    { event, token }: { event: PaymentEvent; token: string },
    from: readonly PaymentEventStatus[],
  ): Promise<PaymentEventOutcome | null> {
    const id = event.id;
    const prepared = await this.handler.prepare(event);
    const outcome = await this.tx.run(
      async (manager) => {
        const locked = await this.events.lockForHandling(id, from, manager);
        if (!locked) return null;
        const handled = await this.handler.handle(locked, manager, prepared);
        await this.events.markHandled(id, handled, token, manager);
        await this.afterPayment.follow(locked, handled, manager);
        return handled;
      },
      { retries: 3 },
    );
    // Another transaction holds the event (a holder whose lease ran out):
    // it is that one's, and this lease must not keep the next delivery out
    // should that one fail.
    if (outcome === null) await this.events.release(id, token);
    return outcome;
  }

  /**
   * Records an event that can never be applied as ignored, with the reason,
   * so that it is told apart from one that was simply not the shop's. In a
   * transaction of its own: whatever the handler wrote for it rolled back.
   */
  private async ignore(
    { event, token }: { event: PaymentEvent; token: string },
    from: readonly PaymentEventStatus[],
    reason: string,
  ): Promise<'ignored' | null> {
    this.logger.warn({ eventId: event.id, reason }, 'payment event cannot be used; ignored');
    const outcome = await this.tx.run(
      async (manager) => {
        if (!(await this.events.lockForHandling(event.id, from, manager))) return null;
        await this.events.markHandled(event.id, 'ignored', token, manager, reason);
        return 'ignored' as const;
      },
      { retries: 3 },
    );
    if (outcome === null) await this.events.release(event.id, token);
    return outcome;
  }

  /**
   * Re-applies events the handler deferred (their object could not take them
   * yet), oldest first. Call it after something that may unblock them, e.g.
   * once an order took its payment; `objectId` narrows it to one object's events.
   * `wait`: an event another run is re-applying right now is waited for, as
   * a duplicate delivery waits (`apply`), rather than skipped: that run may
   * have read the order before the payment that calls for this one and
   * defer it again, leaving it to the next scheduled run.
   */
  async reprocessDeferred(
    options: { objectId?: string; limit?: number; wait?: boolean } = {},
  ): Promise<ReprocessSummary> {
    const ids = await this.events.deferredIds({
      ...(options.objectId !== undefined ? { objectId: options.objectId } : {}),
      limit: options.limit ?? 100,
    });
    const summary: ReprocessSummary = { processed: 0, deferred: 0, ignored: 0, skipped: 0 };
    for (const id of ids) await this.reapply(id, summary, options.wait === true);
    return summary;
  }

  /**
   * After something booked a charge's payment outside a payment event (a
   * payment review's decision; a payment event's own transaction enqueues
   * the job of DeferredEventsAfterPayment instead): re-applies the events
   * deferred under that charge. Never throws: what was booked stands, and
   * the job `payments.reapply-deferred-events` re-applies whatever a failure
   * leaves deferred.
   */
  async reapplyDeferredOfCharge(charge: string, context: Record<string, unknown>): Promise<void> {
    try {
      await this.reprocessDeferred({ objectId: charge });
    } catch (error) {
      this.logger.warn(
        { err: error, ...context, charge },
        `Deferred events of charge ${charge} could not be re-applied; the scheduled job will: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * Re-applies the deferred events the handler finds applicable now
   * (`PaymentEventHandler.applicableNow`), oldest first: at most `maxApplied`
   * of them, among the oldest `maxScanned` deferred events. This is what
   * the scheduled job runs: the re-application after a payment can fail and
   * leave events deferred, and a payment booked another way (a review's
   * decision, whose process may die before re-applying) has no job of its own.
   */
  async reapplyUnblocked(
    options: { maxScanned?: number; maxApplied?: number; belowAttempts?: number } = {},
  ): Promise<ReprocessSummary & { more: boolean }> {
    const maxScanned = options.maxScanned ?? 1_000;
    const maxApplied = options.maxApplied ?? 100;
    const belowAttempts = options.belowAttempts;
    const summary = { processed: 0, deferred: 0, ignored: 0, skipped: 0, more: false };
    let applied = 0;
    let scanned = 0;
    let after: PaymentEvent | undefined;
    while (scanned < maxScanned) {
      const page = await this.events.deferredPage({
        ...(after ? { after } : {}),
        ...(belowAttempts !== undefined ? { belowAttempts } : {}),
        limit: Math.min(REAPPLY_PAGE, maxScanned - scanned),
      });
      if (page.length === 0) return summary;
      scanned += page.length;
      after = page.at(-1);
      const applicable = await this.handler.applicableNow(page);
      for (const event of page) {
        if (!applicable.has(event.id)) continue;
        if (applied >= maxApplied) return { ...summary, more: true };
        applied++;
        await this.reapply(event.id, summary);
      }
    }
    summary.more =
      (
        await this.events.deferredPage({
          ...(after ? { after } : {}),
          ...(belowAttempts !== undefined ? { belowAttempts } : {}),
          limit: 1,
        })
      ).length > 0;
    return summary;
  }

  private async reapply(id: string, summary: ReprocessSummary, wait = false): Promise<void> {
    // One at a time and in order: a later event may depend on an earlier one.
    // One that fails stays deferred for the next run and holds up no other
    // (`apply` logged why). One being re-applied by a concurrent run right
    // now is that run's (once it is done, with `wait`).
    const outcome = await this.apply(id, ['deferred'], { wait }).catch((error: unknown) =>
      error instanceof PaymentEventInProgressError ? null : ('deferred' as const),
    );
    if (outcome === null) summary.skipped++;
    else summary[outcome]++;
  }
}
