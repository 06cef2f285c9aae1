import { PaymentEventInProgressError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { JobHandler } from '../jobs/job-handler.decorator.js';
import { PaymentEventIntake } from './payment-event-intake.js';
import { CatchUpSweepRepository } from './persistence/catch-up-sweep.repository.js';
import type { PaymentEvent } from './stripe-event.js';
import { UndeliveredEventSweep } from './undelivered-event-sweep.js';

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

/** Pages of the provider's listing a run reads at most, 100 events each. */
export const MAX_PAGES_PER_RUN = 20;

/** Events a run takes in at most, the oldest it listed; the rest wait for the next run. */
export const MAX_TAKEN_IN_PER_RUN = 200;

/**
 * A run lists for half of this at most, and starts taking in no event past
 * it: with a slow provider or database it stops early rather than late.
 */
export const RUN_BUDGET_MS = 120_000;

/**
 * How long pg-boss lets a run be active before it takes its worker for
 * dead and runs it again: above a run's worst case, its budget and then
 * the intake under way at its end, which holds its event for at most the
 * event's lease (PAYMENT_EVENT_LEASE_MS, five minutes by default). Runs
 * never overlap in any case (`CatchUpSweepRepository.exclusively`): one
 * started beside a run still at work leaves the work to it.
 */
export const CATCH_UP_EXPIRY_SECONDS = 600;

export interface CatchUpOptions {
  lookBackHours?: number;
  settleSeconds?: number;
  maxPages?: number;
  maxTakenIn?: number;
  budgetMs?: number;
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
  /** Events were left for the next run, which goes on from where this one stopped. */
  more: boolean;
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
 * only; `UndeliveredEventSweep` reads a bounded stretch of that listing and
 * keeps the events not settled here. Each goes through the same intake as a
 * webhook, so one that arrives meanwhile is applied once. Oldest first, as
 * they happened, so a refund meets its payment already paid.
 */
@Injectable()
export class PaymentEventCatchUp {
  private readonly logger = new Logger(PaymentEventCatchUp.name);

  constructor(
    private readonly sweep: UndeliveredEventSweep,
    private readonly runs: CatchUpSweepRepository,
    private readonly intake: PaymentEventIntake,
    private readonly clock: Clock,
  ) {}

  // Idempotent by construction: an event taken in before is known by its id.
  @JobHandler('payments.catch-up-events', {
    schedule: { cron: '*/5 * * * *' },
    retryLimit: 1,
    expireInSeconds: CATCH_UP_EXPIRY_SECONDS,
  })
  async runScheduled(): Promise<void> {
    if ((await this.catchUp()) === null) {
      this.logger.log('Another catch-up run is still at work: this one leaves the work to it');
    }
  }

  /**
   * Null when another run, of this process or another, is at work: it is
   * left to that one. A provider outage while listing throws: nothing is
   * lost, the next run asks again.
   */
  catchUp(options: CatchUpOptions = {}): Promise<CatchUpSummary | null> {
    return this.runs.exclusively(() => this.run(options));
  }

  private async run(options: CatchUpOptions): Promise<CatchUpSummary> {
    const started = performance.now();
    const budgetMs = options.budgetMs ?? RUN_BUDGET_MS;
    const now = this.clock.now().getTime();
    const lookBackHours = options.lookBackHours ?? DEFAULT_LOOK_BACK_HOURS;
    const due = await this.sweep.next({
      since: new Date(now - lookBackHours * 3_600_000),
      settledBefore: Math.floor(now / 1000) - (options.settleSeconds ?? DEFAULT_SETTLE_SECONDS),
      maxPages: options.maxPages ?? MAX_PAGES_PER_RUN,
      maxDue: options.maxTakenIn ?? MAX_TAKEN_IN_PER_RUN,
      // The other half is for taking in what the listing found.
      listUntil: started + budgetMs / 2,
    });

    const summary: CatchUpSummary = {
      listed: due.listed,
      takenIn: 0,
      known: due.known,
      failed: due.unusable,
      more: due.more,
    };
    for (const event of due.events) {
      if (performance.now() >= started + budgetMs) {
        summary.more = true;
        break;
      }
      await this.takeIn(event, summary);
    }
    if (summary.takenIn > 0 || summary.failed > 0 || summary.more) {
      this.logger.log(
        `Caught up on events the webhook missed: ${summary.takenIn} taken in, ${summary.known} known, ${summary.failed} failed${summary.more ? '; more are left for the next run' : ''}`,
      );
    }
    return summary;
  }

  private async takeIn(event: PaymentEvent, summary: CatchUpSummary): Promise<void> {
    try {
      const { outcome } = await this.intake.accept(event, { wait: false, via: 'catch-up' });
      if (outcome === null) summary.known++;
      else summary.takenIn++;
    } catch (error) {
      // A webhook delivery of it is being handled right now: it is in hand.
      if (error instanceof PaymentEventInProgressError) {
        summary.known++;
        return;
      }
      summary.failed++;
      this.logger.warn(
        `Undelivered event ${event.id} (${event.type}) could not be applied; the next run tries again: ${errorMessage(error)}`,
      );
    }
  }
}
