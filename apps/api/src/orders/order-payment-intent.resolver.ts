import { OrderNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { OrderPaymentIntentResolver } from '../payments/payment-simulation.service.js';
import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';

/** Lets `payments:simulate --order <id>` pay an order by its id. */
@Injectable()
export class OrdersPaymentIntentResolver extends OrderPaymentIntentResolver {
  constructor(private readonly orders: OrderRepository) {
    super();
  }

  async paymentIntentIdOf(orderId: string): Promise<string> {
    assertOrderId(orderId);
    const order = await this.orders.view(orderId);
    if (!order?.paymentIntentId) throw new OrderNotFoundError(orderId);
    return order.paymentIntentId;
  }
}
