import { PaymentEventInProgressError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { JobHandler } from '../jobs/job-handler.decorator.js';
import { PaymentEventIntake } from './payment-event-intake.js';
import { paymentEventDefectOf } from './payment-event-shape.js';
import { PaymentGateway } from './payment-gateway.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';
import { APPLIED_EVENT_TYPES, type PaymentEvent } from './stripe-event.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Every five minutes: take in the provider's events the webhook missed. */
    'payments.catch-up-events': Record<string, never>;
  }
}

/**
 * How far back a run asks: Stripe retries a webhook for three days. Runs
 * come every few minutes, so only a worker stopped for longer than that
 * leaves events behind (`payments:catch-up --hours` reaches further, up to
 * the thirty days Stripe keeps events).
 */
export const DEFAULT_LOOK_BACK_HOURS = 72;

/**
 * Events younger than this are left to their webhook, whose first attempt
 * is normally under way: taking them in here would only race it.
 */
export const DEFAULT_SETTLE_SECONDS = 120;

export interface CatchUpOptions {
  lookBackHours?: number;
  settleSeconds?: number;
}

export interface CatchUpSummary {
  /** Undelivered events the provider listed, those younger than the settle time included. */
  listed: number;
  /** Applied by this run: processed, deferred or ignored. */
  takenIn: number;
  /** Handled before, by a delivery or an earlier run, or by a delivery at work on it now. */
  known: number;
  /** Applying failed (recorded as failed: the next run tries again), or not an event. */
  failed: number;
}

/**
 * Catches up on the provider's events whose webhook did not arrive: an
 * endpoint down for longer than the provider retries (three days at
 * Stripe), a secret rotated on one side only, a proxy that refused them.
 * Without this, a payment made in time stays unpaid here, its order is left
 * pending past its reservation, and refunds and disputes are never booked.
 *
 * The provider lists the events that failed to reach some endpoint (it goes
 * on listing them after they were taken in here, and lists those another
 * endpoint of the account missed), asked for the types the shop acts on
 * only: the ones stored and settled are skipped
 * with one query, and each other one goes through the same intake as a
 * webhook, so one that arrives meanwhile is applied once. Oldest first, as
 * they happened, so a refund meets its payment already paid.
 */
@Injectable()
export class PaymentEventCatchUp {
  private readonly logger = new Logger(PaymentEventCatchUp.name);

  constructor(
    private readonly payments: PaymentGateway,
    private readonly intake: PaymentEventIntake,
    private readonly events: PaymentEventRepository,
    private readonly clock: Clock,
  ) {}

  // Idempotent by construction: an event taken in before is known by its id.
  @JobHandler('payments.catch-up-events', { schedule: { cron: '*/5 * * * *' }, retryLimit: 1 })
  async runScheduled(): Promise<void> {
    await this.catchUp();
  }

  /** A provider outage while listing throws: nothing is lost, the next run asks again. */
  async catchUp(options: CatchUpOptions = {}): Promise<CatchUpSummary> {
    const lookBackHours = options.lookBackHours ?? DEFAULT_LOOK_BACK_HOURS;
    const settleSeconds = options.settleSeconds ?? DEFAULT_SETTLE_SECONDS;
    const now = this.clock.now().getTime();
    const listed = await this.listUndelivered(new Date(now - lookBackHours * 3_600_000));
    const settledBefore = Math.floor(now / 1000) - settleSeconds;

    const summary: CatchUpSummary = { listed: listed.length, takenIn: 0, known: 0, failed: 0 };
    const due: PaymentEvent[] = [];
    for (const value of listed) {
      const defect = paymentEventDefectOf(value);
      if (defect) {
        summary.failed++;
        this.logger.warn(`An undelivered event from the payment provider is ${defect}: skipped`);
      } else if ((value as PaymentEvent).created <= settledBefore) {
        due.push(value as PaymentEvent);
      }
    }
    const settled = await this.events.settledIds(due.map((e) => e.id));
    for (const event of due.reverse()) {
      if (settled.has(event.id)) {
        summary.known++;
        continue;
      }
      try {
        const { outcome } = await this.intake.accept(event, { wait: false, via: 'catch-up' });
        if (outcome === null) summary.known++;
        else summary.takenIn++;
      } catch (error) {
        // A webhook delivery of it is being handled right now: it is in hand.
        if (error instanceof PaymentEventInProgressError) {
          summary.known++;
          continue;
        }
        summary.failed++;
        this.logger.warn(
          `Undelivered event ${event.id} (${event.type}) could not be applied; the next run tries again: ${errorMessage(error)}`,
        );
      }
    }
    if (summary.takenIn > 0 || summary.failed > 0) {
      this.logger.log(
        `Caught up on events the webhook missed: ${summary.takenIn} taken in, ${summary.known} known, ${summary.failed} failed`,
      );
    }
    return summary;
  }

  /** Every page of the provider's undelivered events since `since`, newest first. */
  private async listUndelivered(since: Date): Promise<unknown[]> {
    const newestFirst: unknown[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.payments.undeliveredEvents({
        since,
        types: APPLIED_EVENT_TYPES,
        ...(startingAfter ? { startingAfter } : {}),
      });
      newestFirst.push(...page.events);
      if (!page.hasMore) return newestFirst;
      const last = page.events.at(-1) as { id?: unknown } | undefined;
      if (typeof last?.id !== 'string') {
        this.logger.warn(
          'The payment provider listed more undelivered events after one without an id: the rest are left for the next run',
        );
        return newestFirst;
      }
      startingAfter = last.id;
    }
  }
}
