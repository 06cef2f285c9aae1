import { PaymentNotFoundError, PaymentStateConflictError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { JobQueue } from '../jobs/job-queue.js';
import { PaymentGateway } from '../payments/payment-gateway.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** The intent of an order cancelled here, which the provider did not cancel at once. */
    'orders.cancel-intent': { paymentIntentId: string };
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Cancels the provider's PaymentIntent of an order already cancelled here
 * (by its customer, by expiry, or with its disabled account), so whoever
 * holds its client secret can no longer pay it. Tried at once; when the
 * provider fails, a job tries again with backoff, so an outage at Stripe
 * does not leave the intent payable. Should it be paid meanwhile, the late
 * payment is refunded (see OrderPaymentEventHandler).
 */
@Injectable()
export class IntentCancellation {
  private readonly logger = new Logger(IntentCancellation.name);

  constructor(
    private readonly payments: PaymentGateway,
    private readonly jobs: JobQueue,
  ) {}

  /** Never throws: the order is cancelled already, whatever the provider says. */
  async cancel(paymentIntentId: string): Promise<void> {
    try {
      await this.payments.cancelIntent(paymentIntentId, keyOf(paymentIntentId));
      return;
    } catch (error) {
      this.logger.warn(
        `PaymentIntent ${paymentIntentId} could not be cancelled; retrying in the background: ${message(error)}`,
      );
    }
    try {
      await this.jobs.enqueue(
        'orders.cancel-intent',
        { paymentIntentId },
        { dedupeKey: `cancel-intent:${paymentIntentId}` },
      );
    } catch (error) {
      this.logger.error(
        `PaymentIntent ${paymentIntentId} could not be cancelled nor its retry enqueued: ${message(error)}`,
      );
    }
  }

  /**
   * Idempotent: an intent already cancelled, or paid meanwhile (refunded as
   * a late payment), is left as it is; the provider call carries a fixed key.
   * Only an outage is retried. Two answers no retry changes end the job:
   * - the provider does not know the intent (the local emulator keeps its
   *   intents in memory, so a restart forgets them): nobody can pay it;
   * - the provider will not cancel it in its state (`processing`: the bank
   *   is deciding on a payment, which may take days): the outcome comes as a
   *   webhook, and money that arrives is refunded as a late payment.
   */
  @JobHandler('orders.cancel-intent', { retryLimit: 10, retryDelay: 30, retryBackoff: true })
  async retry(payload: { paymentIntentId: string }): Promise<void> {
    const id = payload.paymentIntentId;
    try {
      const intent = await this.payments.retrieveIntent(id);
      if (intent.status === 'canceled' || intent.status === 'succeeded') return;
      await this.payments.cancelIntent(id, keyOf(id));
    } catch (error) {
      const final =
        error instanceof PaymentNotFoundError ||
        (error instanceof PaymentStateConflictError &&
          error.providerCode === 'payment_intent_unexpected_state');
      if (!final) throw error;
      this.logger.warn(
        `PaymentIntent ${id} of a cancelled order is left as it is: ${message(error)}`,
      );
    }
  }
}

function keyOf(paymentIntentId: string): string {
  return `cancel-${paymentIntentId}`;
}
