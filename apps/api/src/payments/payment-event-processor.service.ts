import { Injectable, Logger } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import {
  PaymentEventHandler,
  type PaymentEventOutcome,
  StalePreparationError,
} from './payment-event-handler.js';
import type { PaymentEventStatus } from './persistence/payment-event.orm-entity.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';

/** Preparations of one event before it is left to Stripe's next delivery. */
const MAX_PREPARATIONS = 3;

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
 */
@Injectable()
export class PaymentEventProcessor {
  private readonly logger = new Logger(PaymentEventProcessor.name);

  constructor(
    private readonly events: PaymentEventRepository,
    private readonly handler: PaymentEventHandler,
    private readonly tx: TransactionRunner,
  ) {}

  /**
   * Applies one stored event if it is in one of `from`; null when there was
   * nothing to do (already handled, or being handled by a concurrent request).
   * A handler failure is recorded and rethrown; the event becomes `failed`
   * (Stripe's redelivery applies it again), or stays `deferred` when it was
   * being re-applied (Stripe had its 200 and never sends it again).
   */
  async apply(
    id: string,
    from: readonly PaymentEventStatus[],
  ): Promise<PaymentEventOutcome | null> {
    const onFailure = from.includes('deferred') ? 'deferred' : 'failed';
    try {
      for (let preparation = 1; ; preparation++) {
        try {
          return await this.applyOnce(id, from);
        } catch (error) {
          if (!(error instanceof StalePreparationError) || preparation >= MAX_PREPARATIONS) {
            throw error;
          }
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error, eventId: id }, 'payment event handling failed');
      await this.events.markFailed(id, message, onFailure).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The handler's provider calls first, with no transaction open, then its
   * writes under the event's row lock. A delivery that finds the event
   * handled already prepares nothing.
   */
  private async applyOnce(
    id: string,
    from: readonly PaymentEventStatus[],
  ): Promise<PaymentEventOutcome | null> {
    const event = await this.events.findForHandling(id, from);
    if (!event) return null;
    const prepared = await this.handler.prepare(event);
    return this.tx.run(
      async (manager) => {
        const locked = await this.events.lockForHandling(id, from, manager);
        if (!locked) return null;
        const outcome = await this.handler.handle(locked, manager, prepared);
        await this.events.markHandled(id, outcome, manager);
        return outcome;
      },
      { retries: 3 },
    );
  }

  /**
   * Re-applies events the handler deferred (their object could not take them
   * yet), oldest first. Call it after something that may unblock them, e.g.
   * once an order took its payment; `objectId` narrows it to one object's events.
   */
  async reprocessDeferred(
    options: { objectId?: string; limit?: number } = {},
  ): Promise<ReprocessSummary> {
    const ids = await this.events.deferredIds({
      ...(options.objectId !== undefined ? { objectId: options.objectId } : {}),
      limit: options.limit ?? 100,
    });
    const summary: ReprocessSummary = { processed: 0, deferred: 0, ignored: 0, skipped: 0 };
    for (const id of ids) {
      // One at a time and in order: a later event may depend on an earlier one.
      // One that fails stays deferred for the next run and holds up no other.
      const outcome = await this.apply(id, ['deferred']).catch(() => 'deferred' as const);
      if (outcome === null) summary.skipped++;
      else summary[outcome]++;
    }
    return summary;
  }
}
