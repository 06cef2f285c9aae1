import { Injectable, Logger } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { PaymentEventProcessor, type ReprocessSummary } from './payment-event-processor.service.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Every five minutes: re-apply deferred events whose payment has been booked since. */
    'payments.reapply-deferred-events': Record<string, never>;
  }
}

/** Deferred events a run reads at most, oldest first. */
export const MAX_SCANNED_PER_RUN = 1_000;

/** Deferred events a run re-applies at most; the rest wait for the next run. */
export const MAX_REAPPLIED_PER_RUN = 100;
/**
 * Tries after which a deferred event is no longer re-applied by the job:
 * one that fails every time (a handler error, a charge the provider does
 * not know) would otherwise take a share of every run, for good, and with
 * enough of them the events behind them would never be reached. Each run
 * warns while any are left, for a person to look at (`last_error`).
 */
export const MAX_REAPPLY_ATTEMPTS = 20;

/**
 * Re-applies, on a schedule, the deferred events (a refund or dispute that
 * came before its payment) whose order has booked its payment since.
 *
 * The intake re-applies a payment's deferred events right after the
 * payment's commit, but nothing makes that last step happen: a process that
 * dies between the two, or a re-application that fails, leaves the event
 * deferred, and Stripe, answered 200 for both events, never delivers either
 * again (a redelivery of the payment, when one comes, re-applies them too).
 * Left deferred, a refund Stripe made is never booked and a dispute never
 * recorded. Each event goes through the processor as in the intake: claimed
 * (one holder at a time), then applied under its row lock, once.
 */
@Injectable()
export class DeferredEventRetry {
  private readonly logger = new Logger(DeferredEventRetry.name);

  constructor(
    private readonly processor: PaymentEventProcessor,
    private readonly events: PaymentEventRepository,
  ) {}

  // Idempotent by construction: an event applied once is no longer
  // deferred, and one still waiting for its payment is deferred again.
  @JobHandler('payments.reapply-deferred-events', {
    schedule: { cron: '*/5 * * * *' },
    retryLimit: 1,
  })
  async runScheduled(): Promise<void> {
    await this.run();
  }

  async run(): Promise<ReprocessSummary & { more: boolean }> {
    const summary = await this.processor.reapplyUnblocked({
      maxScanned: MAX_SCANNED_PER_RUN,
      maxApplied: MAX_REAPPLIED_PER_RUN,
      belowAttempts: MAX_REAPPLY_ATTEMPTS,
    });
    const { processed, deferred, ignored, skipped, more } = summary;
    if (processed + deferred + ignored + skipped > 0 || more) {
      this.logger.log(
        `Re-applied deferred payment events whose payment was booked: ${processed} processed, ${ignored} ignored, ${deferred} still deferred, ${skipped} taken by another run${more ? '; more are left for the next run' : ''}`,
      );
    }
    if (deferred > 0) {
      this.logger.warn(
        `${deferred} deferred payment event(s) could not be re-applied though their payment was booked; the next run tries again`,
      );
    }
    const givenUp = await this.events.deferredTriedAtLeast(MAX_REAPPLY_ATTEMPTS);
    if (givenUp > 0) {
      this.logger.warn(
        `${givenUp} deferred payment event(s) failed ${MAX_REAPPLY_ATTEMPTS} tries and are no longer re-applied: ` +
          'see payment_events.last_error, fix the cause, and set their attempts to 0 to let the job try again',
      );
    }
    return summary;
  }
}
