import type { OrderDto, OrderPageDto, OrderStatusValue } from '@minishop/contracts';
import { OrderNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { toOrderDto, toStaffOrderDto } from './persistence/order.mapper.js';

export interface OrderPageRequest {
  limit: number;
  cursor?: string;
}

/** Reads: a customer's own orders, and every order for staff. */
@Injectable()
export class OrderQueryService {
  constructor(private readonly orders: OrderRepository) {}

  /** Another user's order is a 404 exactly like a missing one. */
  async get(orderId: string, ownerId: string): Promise<OrderDto> {
    assertOrderId(orderId);
    const view = await this.orders.view(orderId, ownerId);
    if (!view) throw new OrderNotFoundError(orderId);
    return toOrderDto(view);
  }

  /** Any order, as staff see it (with the payment review's decision). */
  async getForStaff(orderId: string): Promise<OrderDto> {
    assertOrderId(orderId);
    const view = await this.orders.view(orderId);
    if (!view) throw new OrderNotFoundError(orderId);
    return toStaffOrderDto(view);
  }

  async listOwn(userId: string, page: OrderPageRequest): Promise<OrderPageDto> {
    const result = await this.orders.list({ userId, ...page });
    return { items: result.items.map(toOrderDto), nextCursor: result.nextCursor };
  }

  async listAll(
    page: OrderPageRequest & {
      status?: OrderStatusValue;
      underReview?: boolean;
      userId?: string;
    },
  ): Promise<OrderPageDto> {
    const { underReview, ...rest } = page;
    const result = await this.orders.list({
      ...rest,
      ...(underReview !== undefined ? { awaitingReview: underReview } : {}),
    });
    return { items: result.items.map(toStaffOrderDto), nextCursor: result.nextCursor };
  }
}
