import type { OrderDto } from '@minishop/contracts';
import { isAwaitingReview, OrderNotFoundError, OrderUnderReviewError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { IntentCancellation } from './intent-cancellation.js';
import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderQueryService } from './order-query.service.js';

/** POST /orders/:id/cancel: the customer gives up an unpaid order. */
@Injectable()
export class OrderCancellationService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly intents: IntentCancellation,
    private readonly query: OrderQueryService,
  ) {}

  async cancel(userId: string, orderId: string): Promise<OrderDto> {
    assertOrderId(orderId);
    // The row lock makes a second cancel wait and then meet `cancelled`,
    // which the state machine refuses (409): stock is released only once.
    const paymentIntentId = await this.tx.run(async (m) => {
      const order = await this.orders.lockById(orderId, m, userId);
      if (!order) throw new OrderNotFoundError(orderId);
      // A payment that did not match is captured already: cancelling would
      // free the stock and keep the money. An admin decides instead. (A
      // cancelled order keeps a late payment's reason as a record: its
      // cancel is refused as any cancelled order's is.)
      if (isAwaitingReview(order)) throw new OrderUnderReviewError(order.id);
      await this.lifecycle.cancelPending(order, 'cancelled_by_customer', m);
      if (order.paymentIntentId) await this.intents.owe(order.paymentIntentId, m);
      return order.paymentIntentId;
    });
    if (paymentIntentId) await this.intents.cancel(paymentIntentId);
    return this.query.get(orderId, userId);
  }
}
