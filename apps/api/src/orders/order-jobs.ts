import { Injectable } from '@nestjs/common';

import { JobHandler } from '../jobs/job-handler.decorator.js';
import { OrderExpiryService } from './order-expiry.service.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Every minute: cancel unpaid orders past their reservation. */
    'orders.expire-overdue': Record<string, never>;
  }
}

@Injectable()
export class OrderJobs {
  constructor(private readonly expiry: OrderExpiryService) {}

  // Idempotent by construction: only pending_payment orders past their
  // deadline are touched, each under a row lock, so a rerun finds nothing.
  @JobHandler('orders.expire-overdue', { schedule: { cron: '* * * * *' }, retryLimit: 1 })
  async expireOverdue(): Promise<void> {
    await this.expiry.expireDue();
  }
}
