import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { OrderRepository } from './order.repository.js';
import { cancelIntentQuietly } from './order-cancellation.service.js';
import { OrderLifecycle } from './order-lifecycle.js';

const BATCH = 100;

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
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly payments: PaymentGateway,
    private readonly clock: Clock,
  ) {}

  /** Returns how many orders were cancelled. */
  async expireDue(now: Date = this.clock.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const intents = await this.tx.run(async (m) => {
        const due = await this.orders.lockDueForExpiry(now, BATCH, m);
        for (const order of due) {
          await this.lifecycle.cancelPending(order, 'reservation_expired', m, {
            releaseStock: false,
          });
        }
        // One sorted pass over all the batch's variants, not one per order:
        // the same lock order as checkout, so the two cannot deadlock.
        await this.orders.releaseStock(
          due.flatMap((o) => o.lines),
          m,
        );
        return { count: due.length, intents: due.flatMap((o) => o.paymentIntentId ?? []) };
      });
      total += intents.count;
      for (const id of intents.intents) await cancelIntentQuietly(this.payments, id, this.logger);
      if (intents.count < BATCH) break;
    }
    if (total > 0) this.logger.log(`Expired ${total} unpaid order(s)`);
    return total;
  }
}
