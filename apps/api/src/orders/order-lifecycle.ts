import { Money, transition } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { OrderRepository, type OrderState } from './order.repository.js';
import { OrderNotifications } from './order-notifications.js';

/**
 * The status changes that also move stock, shared by every path (customer,
 * admin, webhook, expiry) so stock and status can never disagree. Each runs
 * in the caller's transaction on an order the caller has locked.
 */
@Injectable()
export class OrderLifecycle {
  constructor(
    private readonly orders: OrderRepository,
    private readonly notifications: OrderNotifications,
  ) {}

  /**
   * pending_payment → cancelled with the reservation handed back. Pass
   * `releaseStock: false` when the caller releases several orders' stock in
   * one sorted pass (see OrderExpiryService).
   */
  async cancelPending(
    order: OrderState,
    cause: string,
    manager: EntityManager,
    options: { releaseStock?: boolean } = {},
  ): Promise<void> {
    const change = transition(order.status, 'cancelled', cause);
    if (options.releaseStock ?? true) await this.orders.releaseStock(order.lines, manager);
    await this.orders.recordTransition(order.id, change, manager);
  }

  /** pending_payment → paid: the reservation becomes a sale. */
  async markPaid(
    order: OrderState,
    amount: Money,
    cause: string,
    manager: EntityManager,
  ): Promise<void> {
    const change = transition(order.status, 'paid', cause);
    await this.orders.sellReservedStock(order.lines, manager);
    await this.orders.update(order.id, { amountPaid: amount.amount }, manager);
    await this.orders.recordTransition(order.id, change, manager);
    await this.notifications.orderPaid(order.id, manager);
  }
}
