import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { OrderRepository } from './order.repository.js';
import { UnpaidOrderSweep } from './unpaid-order-sweep.js';

/**
 * Cancels unpaid orders whose reservation ran out and hands their stock back
 * (`orders:expire`, and the every-minute job). Safe to run on several
 * workers at once and against concurrent payments: rows are locked with
 * SKIP LOCKED, and an order whose payment lands first is no longer pending.
 */
@Injectable()
export class OrderExpiryService {
  private readonly logger = new Logger(OrderExpiryService.name);

  constructor(
    private readonly orders: OrderRepository,
    private readonly sweep: UnpaidOrderSweep,
    private readonly clock: Clock,
  ) {}

  /** Returns how many orders were cancelled. */
  async expireDue(now: Date = this.clock.now()): Promise<number> {
    const total = await this.sweep.cancelAll('reservation_expired', (limit, m) =>
      this.orders.lockDueForExpiry(now, limit, m),
    );
    if (total > 0) this.logger.log(`Expired ${total} unpaid order(s)`);
    return total;
  }
}
