import type { MoneyDto, RefundResponseDto } from '@minishop/contracts';
import {
  IllegalTransitionError,
  Money,
  OrderNotFoundError,
  REFUNDABLE_STATUSES,
  refundAmount,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { OrderQueryService } from './order-query.service.js';

/**
 * POST /admin/orders/:id/refund. The refund is asked of the provider; the
 * order's refund status follows when `charge.refunded` confirms it, so the
 * order reflects money that really moved.
 */
@Injectable()
export class RefundService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly payments: PaymentGateway,
    private readonly query: OrderQueryService,
  ) {}

  async refund(orderId: string, requested: MoneyDto | undefined): Promise<RefundResponseDto> {
    assertOrderId(orderId);
    // Booked as requested under the row lock before the provider is called:
    // two refunds at once cannot together exceed what was paid.
    const booked = await this.tx.run(async (m) => {
      const order = await this.orders.lockById(orderId, m);
      if (!order) throw new OrderNotFoundError(orderId);
      if (!REFUNDABLE_STATUSES.includes(order.status) || !order.paymentIntentId) {
        throw new IllegalTransitionError(order.status, 'refunded');
      }
      const spoken = order.refundRequested.greaterThan(order.amountRefunded)
        ? order.refundRequested
        : order.amountRefunded;
      const amount = refundAmount(
        order.amountPaid,
        spoken,
        requested ? Money.of(requested.amount, requested.currency) : undefined,
      );
      await this.orders.update(order.id, { refundRequested: spoken.amount + amount.amount }, m);
      return {
        paymentIntentId: order.paymentIntentId,
        amount,
        // Unique per refund of this order and the same on a retry of it.
        idempotencyKey: `refund-${order.id}-${spoken.amount}-${amount.amount}`,
      };
    });
    let refund;
    try {
      refund = await this.payments.refund(booked);
    } catch (error) {
      await this.tx.run((m) =>
        m.query(
          'UPDATE orders SET refund_requested = GREATEST(refund_requested - $2, amount_refunded) WHERE id = $1',
          [orderId, booked.amount.amount],
        ),
      );
      throw error;
    }
    return {
      order: await this.query.get(orderId),
      refund: { id: refund.id, status: refund.status, amount: refund.amount.toJSON() },
    };
  }
}
