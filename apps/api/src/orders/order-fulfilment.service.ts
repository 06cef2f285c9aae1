import type { OrderDto } from '@minishop/contracts';
import { fulfilmentTransition, OrderNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { heldPaymentFigures } from './held-payment-figures.js';
import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { OrderQueryService } from './order-query.service.js';

/**
 * POST /admin/orders/:id/fulfil: a paid order has been shipped. Not one any
 * of whose payment is being refunded: it stays `paid` until the provider
 * confirms the refund, and then could no longer be fulfilled (the domain's
 * `fulfilmentTransition` decides).
 */
@Injectable()
export class OrderFulfilmentService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly query: OrderQueryService,
  ) {}

  async fulfil(orderId: string, staffId: string): Promise<OrderDto> {
    assertOrderId(orderId);
    await this.tx.run(async (m) => {
      const order = await this.orders.lockById(orderId, m);
      if (!order) throw new OrderNotFoundError(orderId);
      const change = fulfilmentTransition(
        order.id,
        heldPaymentFigures(order),
        `fulfilled_by:${staffId}`,
      );
      await this.orders.recordTransition(order.id, change, m);
    });
    return this.query.getForStaff(orderId);
  }
}
