import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { IntentCancellation } from './intent-cancellation.js';
import { OrderRepository, type OrderState } from './order.repository.js';
import { OrderLifecycle } from './order-lifecycle.js';

const BATCH = 100;

/**
 * Cancels unpaid orders in batches of a hundred, one transaction each, for
 * a sweep that selects and locks them (expiry, a disabled account): each
 * batch's stock goes back in one pass, its intents' cancellations are owed
 * in the same transaction and tried at the provider after the commit.
 */
@Injectable()
export class UnpaidOrderSweep {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly intents: IntentCancellation,
  ) {}

  /**
   * `lockBatch` locks up to `limit` pending orders to cancel with `cause`;
   * runs until it returns fewer. Returns how many were cancelled.
   */
  async cancelAll(
    cause: string,
    lockBatch: (limit: number, m: EntityManager) => Promise<OrderState[]>,
    // False when the caller has had the provider cancel the intents first.
    { cancelIntents = true }: { cancelIntents?: boolean } = {},
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.tx.run(async (m) => {
        const due = await lockBatch(BATCH, m);
        for (const order of due) {
          await this.lifecycle.cancelPending(order, cause, m, { releaseStock: false });
          if (cancelIntents && order.paymentIntentId) {
            await this.intents.owe(order.paymentIntentId, m);
          }
        }
        // One sorted pass over all the batch's variants, not one per order:
        // the same lock order as checkout, so the two cannot deadlock.
        await this.orders.releaseStock(
          due.flatMap((o) => o.lines),
          m,
        );
        const intents = cancelIntents ? due.flatMap((o) => o.paymentIntentId ?? []) : [];
        return { count: due.length, intents };
      });
      total += batch.count;
      for (const id of batch.intents) await this.intents.cancel(id);
      if (batch.count < BATCH) return total;
    }
  }
}
