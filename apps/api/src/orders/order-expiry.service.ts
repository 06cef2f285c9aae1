import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { ExpiringIntents } from './expiring-intents.js';
import { type DueOrder, OrderRepository } from './order.repository.js';
import { UnpaidOrderSweep } from './unpaid-order-sweep.js';

/** Due orders asked about at the provider, then cancelled here, at a time. */
const PAGE = 100;

/** The cause an expired order's history records. */
export const RESERVATION_EXPIRED = 'reservation_expired';

/**
 * Cancels unpaid orders whose reservation ran out and hands their stock back
 * (`orders:expire`, and the every-minute job). Each page of due orders is
 * first put to the provider (ExpiringIntents): only those whose intent it
 * cancelled are cancelled here, so a payment made in time whose webhook is
 * late is not undone. Safe to run on several workers at once and against
 * concurrent payments: rows are locked, after any transaction holding one,
 * and checked again, and an order whose payment lands first is no longer
 * pending. The webhook of an intent cancelled here may end the order first,
 * for the same cause (OrderPaymentEventHandler); it is counted here. A process
 * dying between the provider's cancel and the order's leaves the order due:
 * the next run asks again (the same key, the same answer) and cancels it.
 */
@Injectable()
export class OrderExpiryService {
  private readonly logger = new Logger(OrderExpiryService.name);

  constructor(
    private readonly orders: OrderRepository,
    private readonly intents: ExpiringIntents,
    private readonly sweep: UnpaidOrderSweep,
    private readonly clock: Clock,
  ) {}

  /** Returns how many orders were cancelled. */
  async expireDue(now: Date = this.clock.now()): Promise<number> {
    let total = 0;
    // Every due order is looked at once a run, those left pending included.
    let after: DueOrder | undefined;
    for (;;) {
      const page = await this.orders.dueForExpiry(now, PAGE, after);
      after = page.at(-1);
      const { cancellable, outage } = await this.intents.cancel(page);
      if (cancellable.length > 0) {
        const swept = await this.sweep.cancelAll(
          RESERVATION_EXPIRED,
          (_limit, m) => this.orders.lockDueForExpiry(cancellable, now, m),
          { cancelIntents: false },
        );
        // The webhooks of the cancels just asked for may have expired some
        // first (the sweep waits for them): those count as this run's too.
        // So do those a sweep running beside this one expired; the figure
        // is only reported, and the scheduled sweep is one job a minute.
        total +=
          swept < cancellable.length
            ? await this.orders.countEndedBy(
                cancellable.map((o) => o.id),
                RESERVATION_EXPIRED,
              )
            : swept;
      }
      if (outage || page.length < PAGE) break;
    }
    if (total > 0) this.logger.log(`Expired ${total} unpaid order(s)`);
    return total;
  }
}
