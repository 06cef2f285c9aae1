import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { DisabledAccountOrders } from './disabled-account-orders.service.js';
import { OrderExpiryService } from './order-expiry.service.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Every minute: cancel unpaid orders past their reservation. */
    'orders.expire-overdue': Record<string, never>;
    /** Enqueued with the change that disables an account: cancel its unpaid orders. */
    'accounts.disabled': { userId: string };
  }
}

@Injectable()
export class OrderJobs {
  constructor(
    private readonly expiry: OrderExpiryService,
    private readonly disabledAccounts: DisabledAccountOrders,
  ) {}

  // Idempotent by construction: only pending_payment orders past their
  // deadline are touched, each under a row lock, so a rerun finds nothing.
  @JobHandler('orders.expire-overdue', { schedule: { cron: '* * * * *' }, retryLimit: 1 })
  async expireOverdue(): Promise<void> {
    await this.expiry.expireDue();
  }

  // Idempotent too: a rerun finds no unpaid order left, and a run after the
  // account was enabled again cancels nothing.
  @JobHandler('accounts.disabled', { retryLimit: 5 })
  async cancelDisabledAccountOrders(payload: { userId: string }): Promise<void> {
    await this.disabledAccounts.cancelUnpaid(payload.userId);
  }
}
