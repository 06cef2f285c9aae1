import { Injectable, Logger } from '@nestjs/common';

import { OrderRepository } from './order.repository.js';
import { UnpaidOrderSweep } from './unpaid-order-sweep.js';

/**
 * A disabled account's unpaid orders are cancelled: nobody may pay them
 * through the shop any more, and their reserved stock goes back on sale now
 * rather than when the reservation runs out. Paid orders, and payments held
 * for review, are left to staff. Runs as a job once the account is disabled
 * (see OrderJobs); a rerun, or a run after the account was enabled again,
 * cancels nothing.
 */
@Injectable()
export class DisabledAccountOrders {
  private readonly logger = new Logger(DisabledAccountOrders.name);

  constructor(
    private readonly orders: OrderRepository,
    private readonly sweep: UnpaidOrderSweep,
  ) {}

  /** Returns how many orders were cancelled. */
  async cancelUnpaid(userId: string): Promise<number> {
    const total = await this.sweep.cancelAll('account_disabled', (limit, m) =>
      this.orders.lockUnpaidOfDisabledAccount(userId, limit, m),
    );
    if (total > 0) {
      this.logger.log(`Cancelled ${total} unpaid order(s) of disabled account ${userId}`);
    }
    return total;
  }
}
