import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import type { JobPayloads } from '../jobs/job-payloads.js';
import { PaymentEventProcessor } from './payment-event-processor.service.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /**
     * Re-apply the events deferred under `charges`, whose payment the event
     * `eventId` booked (enqueued in its transaction, DeferredEventsAfterPayment).
     */
    'payments.reapply-deferred-of-payment': { eventId: string; charges: string[] };
  }
}

/**
 * Re-applies a payment's deferred events outside the webhook request that
 * booked the payment. Each goes through the processor, claimed and applied
 * under its row lock, so a job run twice (a retry, or the scheduled
 * re-application at the same moment) applies each once. One another run
 * holds is waited for: that run may have read the order before this payment
 * and defer it again. One whose re-application fails stays deferred for the
 * scheduled job (the processor logs why); only failing to read them fails
 * the job, for pg-boss to retry.
 */
@Injectable()
export class DeferredEventsAfterPaymentHandler {
  constructor(private readonly processor: PaymentEventProcessor) {}

  @JobHandler('payments.reapply-deferred-of-payment')
  async handle({ charges }: JobPayloads['payments.reapply-deferred-of-payment']): Promise<void> {
    for (const charge of charges) {
      await this.processor.reprocessDeferred({ objectId: charge, wait: true });
    }
  }
}
