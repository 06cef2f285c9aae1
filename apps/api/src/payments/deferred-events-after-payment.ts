import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { JobQueue } from '../jobs/job-queue.js';
import type { PaymentEventOutcome } from './payment-event-handler.js';
import { PaymentEventRepository } from './persistence/payment-event.repository.js';
import type { PaymentEvent } from './stripe-event.js';

/**
 * Hands the events deferred under a payment's charges (a refund or dispute
 * that came before the payment) to a job, in the transaction that applied
 * the payment's event: re-applying them there, or in the webhook's request
 * after its commit, made Stripe's reply wait for however many there were,
 * and a reply late past the request's deadline (a 503) had Stripe deliver
 * again a payment booked already. Committed with the payment, the job cannot
 * be lost to a process that dies after the commit either; the scheduled
 * `payments.reapply-deferred-events` stays the backstop for what it leaves
 * deferred.
 */
@Injectable()
export class DeferredEventsAfterPayment {
  constructor(
    private readonly events: PaymentEventRepository,
    private readonly jobs: JobQueue,
  ) {}

  /**
   * Called by the processor in the transaction that applied `event`, after
   * the handler's writes. Read under the order's row lock the handler took:
   * an event of the charge deferred by a transaction that had that lock
   * first has committed, so it is seen here; one that takes it after finds
   * the payment booked and is not deferred.
   */
  async follow(
    event: PaymentEvent,
    outcome: PaymentEventOutcome,
    manager: EntityManager,
  ): Promise<void> {
    if (outcome !== 'processed' || !event.type.startsWith('payment_intent.')) return;
    // Only the payment's own charges: events waiting for other orders,
    // however many, never crowd them out. Most payments have none waiting,
    // and then no job is written.
    const charges = await this.events.withDeferredEvents(chargesOf(event.data.object), manager);
    if (charges.length === 0) return;
    await this.jobs.enqueue(
      'payments.reapply-deferred-of-payment',
      { eventId: event.id, charges },
      { manager },
    );
  }
}

/**
 * The ids of a PaymentIntent's charges, whether Stripe sent them as an id or
 * expanded. Since API version 2022-11-15 an intent names its `latest_charge`;
 * a webhook endpoint pinned to an older version gets the list `charges`
 * instead, and the payment's charge is among them.
 */
function chargesOf(intent: unknown): string[] {
  const { latest_charge: latest, charges } = intent as {
    latest_charge?: unknown;
    charges?: { data?: unknown } | null;
  };
  const ids = new Set<string>();
  const add = (charge: unknown) => {
    const id = typeof charge === 'string' ? charge : (charge as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id.length > 0) ids.add(id);
  };
  add(latest);
  if (Array.isArray(charges?.data)) charges.data.forEach(add);
  return [...ids];
}
