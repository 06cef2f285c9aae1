import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { DisabledAccountOrders } from './disabled-account-orders.service.js';
import { OrderExpiryService } from './order-expiry.service.js';
import { RefundSettlementService } from './refund-settlement.service.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Every minute: cancel unpaid orders past their reservation. */
    'orders.expire-overdue': Record<string, never>;
    /** Every ten minutes: ask the provider again for refunds booked but never settled. */
    'orders.settle-refunds': Record<string, never>;
    /** Enqueued with the change that disables an account: cancel its unpaid orders. */
    'accounts.disabled': { userId: string };
  }
}

@Injectable()
export class OrderJobs {
  constructor(
    private readonly expiry: OrderExpiryService,
    private readonly disabledAccounts: DisabledAccountOrders,
    private readonly refundSettlement: RefundSettlementService,
  ) {}

  // Idempotent by construction: only pending_payment orders past their
  // deadline are touched, each under a row lock, so a rerun finds nothing.
  @JobHandler('orders.expire-overdue', { schedule: { cron: '* * * * *' }, retryLimit: 1 })
  async expireOverdue(): Promise<void> {
    await this.expiry.expireDue();
  }

  // Idempotent: each booking is asked for under its own key, which the
  // provider answers with the same refund however often it is asked.
  @JobHandler('orders.settle-refunds', { schedule: { cron: '*/10 * * * *' }, retryLimit: 1 })
  async settleRefunds(): Promise<void> {
    await this.refundSettlement.settleStale();
  }

  // Idempotent too: a rerun finds no unpaid order left, and a run after the
  // account was enabled again cancels nothing.
  @JobHandler('accounts.disabled', { retryLimit: 5 })
  async cancelDisabledAccountOrders(payload: { userId: string }): Promise<void> {
    await this.disabledAccounts.cancelUnpaid(payload.userId);
  }
}
