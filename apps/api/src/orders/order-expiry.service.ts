import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { ExpiringIntents } from './expiring-intents.js';
import { type DueOrder, OrderRepository } from './order.repository.js';
import { UnpaidOrderSweep } from './unpaid-order-sweep.js';

/** Due orders asked about at the provider, then cancelled here, at a time. */
const PAGE = 100;

/**
 * Cancels unpaid orders whose reservation ran out and hands their stock back
 * (`orders:expire`, and the every-minute job). Each page of due orders is
 * first put to the provider (ExpiringIntents): only those whose intent it
 * cancelled are cancelled here, so a payment made in time whose webhook is
 * late is not undone. Safe to run on several workers at once and against
 * concurrent payments: rows are locked, after any transaction holding one,
 * and checked again, and an order whose payment lands first is no longer
 * pending. The webhook of an intent cancelled here leaves its order to this
 * sweep (OrderPaymentEventHandler), which records the cause. A process
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
        total += await this.sweep.cancelAll(
          'reservation_expired',
          (_limit, m) => this.orders.lockDueForExpiry(cancellable, now, m),
          { cancelIntents: false },
        );
      }
      if (outage || page.length < PAGE) break;
    }
    if (total > 0) this.logger.log(`Expired ${total} unpaid order(s)`);
    return total;
  }
}
