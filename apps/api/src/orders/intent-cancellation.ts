import { randomUUID } from 'node:crypto';

import { PaymentNotFoundError, PaymentStateConflictError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { errorMessage } from '../infrastructure/logging/error-message.js';
import { JobHandler } from '../jobs/job-handler.decorator.js';
import { JobQueue } from '../jobs/job-queue.js';
import { PaymentGateway } from '../payments/payment-gateway.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** The intent of an order cancelled here, which the provider did not cancel at once. */
    'orders.cancel-intent': { paymentIntentId: string };
  }
}

/**
 * When the job owed with a cancelled order first checks on its intent: the
 * attempt made right after the commit has normally settled it by then (one
 * provider call, of a 10 s timeout), so the job finds it cancelled and asks
 * nothing more.
 */
const OWED_CHECK_AFTER_SECONDS = 15;

/**
 * Cancels the provider's PaymentIntent of an order already cancelled here
 * (by its customer, by expiry, or with its disabled account), so whoever
 * holds its client secret can no longer pay it. The order's cancelling
 * transaction records a job for it (`owe`), so a process that dies right
 * after the commit still leaves the intent to be cancelled; the cancel is
 * then tried at once (`cancel`), and the job, a little later, checks and
 * tries again with backoff while the provider fails. Should it be paid
 * meanwhile, the late payment is refunded (see OrderPaymentEventHandler).
 */
@Injectable()
export class IntentCancellation {
  private readonly logger = new Logger(IntentCancellation.name);

  constructor(
    private readonly payments: PaymentGateway,
    private readonly jobs: JobQueue,
  ) {}

  /** In the transaction that cancels the order: the intent's cancellation is then on record. */
  async owe(paymentIntentId: string, m: EntityManager): Promise<void> {
    await this.jobs.enqueue(
      'orders.cancel-intent',
      { paymentIntentId },
      {
        manager: m,
        dedupeKey: `cancel-intent:${paymentIntentId}`,
        startAfter: OWED_CHECK_AFTER_SECONDS,
      },
    );
  }

  /**
   * Owes the cancellation again, of the intent of an order cancelled here
   * that became payable again: a cancel refused while a bank decided on a
   * payment (`processing`) ends the job below, and when the bank then fails
   * the payment (`payment_intent.payment_failed`) the intent goes back to
   * `requires_payment_method`, its client secret able to pay the cancelled
   * order. In the transaction that applies that event, with a key of that
   * event's own: the first job under the intent's key may still be on
   * record, and a redelivery of the event must not owe it twice.
   */
  async oweAgain(paymentIntentId: string, eventId: string, m: EntityManager): Promise<void> {
    await this.jobs.enqueue(
      'orders.cancel-intent',
      { paymentIntentId },
      { manager: m, dedupeKey: `cancel-intent:${paymentIntentId}:after:${eventId}` },
    );
  }

  /**
   * After the commit of a transaction that called `owe`. Never throws: the
   * order is cancelled already, whatever the provider says, and the owed
   * job tries again.
   */
  async cancel(paymentIntentId: string): Promise<void> {
    try {
      await this.payments.cancelIntent(paymentIntentId, keyOf(paymentIntentId));
    } catch (error) {
      this.logger.warn(
        `PaymentIntent ${paymentIntentId} could not be cancelled; retrying in the background: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * Idempotent: an intent already cancelled, or paid meanwhile (refunded as
   * a late payment), is left as it is; one the provider shows as open is
   * cancelled under a key of this attempt's own (see below).
   * Only an outage is retried. Two answers no retry changes end the job:
   * - the provider does not know the intent (the local emulator keeps its
   *   intents in memory, so a restart forgets them): nobody can pay it;
   * - the provider will not cancel it in its state (`processing`: the bank
   *   is deciding on a payment, which may take days): the outcome comes as a
   *   webhook. Money that arrives is refunded as a late payment; a payment
   *   the bank fails makes the intent payable again, and its
   *   `payment_intent.payment_failed` owes this job once more (`oweAgain`).
   *   Retrying instead would not do: a bank debit is decided within days
   *   (up to two weeks for SEPA), past the hours this job's backoff spans,
   *   and each retry could only be refused the same way.
   */
  @JobHandler('orders.cancel-intent', { retryLimit: 10, retryDelay: 30, retryBackoff: true })
  async retry(payload: { paymentIntentId: string }): Promise<void> {
    const id = payload.paymentIntentId;
    try {
      const intent = await this.payments.retrieveIntent(id);
      if (intent.status === 'canceled' || intent.status === 'succeeded') return;
      // Cancellable as it is now: asked under a key of this attempt's own, as
      // the fixed one may hold the provider's refusal of an earlier attempt,
      // made while a payment was being decided (replayed for 24 hours).
      await this.payments.cancelIntent(id, freshKeyOf(id));
    } catch (error) {
      const final =
        error instanceof PaymentNotFoundError ||
        (error instanceof PaymentStateConflictError &&
          error.providerCode === 'payment_intent_unexpected_state');
      if (!final) throw error;
      this.logger.warn(
        `PaymentIntent ${id} of a cancelled order is left as it is: ${errorMessage(error)}`,
      );
    }
  }
}

/** The provider's idempotency key of an intent's cancellation, whoever asks for it. */
export function keyOf(paymentIntentId: string): string {
  return `cancel-${paymentIntentId}`;
}

/** A key for one more cancellation of an intent the provider says it can cancel now. */
export function freshKeyOf(paymentIntentId: string): string {
  return `${keyOf(paymentIntentId)}-${randomUUID()}`;
}
