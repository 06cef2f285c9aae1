import type { CheckoutResponseDto } from '@minishop/contracts';
import { Money } from '@minishop/domain';

import type { CreateIntentInput, PaymentIntentRef } from '../payments/payment-gateway.js';
import type { NewOrder, OrderView } from './order.repository.js';
import { toOrderDto } from './persistence/order.mapper.js';

/** The provider's idempotency key of an order's PaymentIntent: one intent per order, ever. */
export const paymentIntentKey = (orderId: string) => `order-${orderId}-intent`;

/** What the provider is asked for an order's PaymentIntent: its total, under a key derived from it. */
export function paymentIntentFor(
  order: { id: string; total: number; currency: string },
  userId: string,
): CreateIntentInput {
  return {
    orderId: order.id,
    amount: Money.of(order.total, order.currency),
    // Derived from the order: a retried call gets the same intent back.
    idempotencyKey: paymentIntentKey(order.id),
    metadata: { orderId: order.id, userId },
  };
}

export function checkoutReply(order: OrderView, intent: PaymentIntentRef): CheckoutResponseDto {
  return {
    order: toOrderDto(order),
    payment: { provider: 'stripe', paymentIntentId: intent.id, clientSecret: intent.clientSecret },
  };
}

/**
 * Stands for the time the order is written at, which only the write knows:
 * it sets the reply's `createdAt` and first history `at` (CheckoutWriter).
 */
const WRITTEN_AT = new Date(0);

/** The reply to a checkout about to write `order`, as its view will show it once written. */
export function newOrderReply(order: NewOrder, intent: PaymentIntentRef): CheckoutResponseDto {
  const status = 'pending_payment';
  return checkoutReply(
    {
      id: order.id,
      userId: order.userId,
      status,
      currency: order.currency,
      subtotal: order.subtotal,
      total: order.total,
      amountPaid: 0,
      amountRefunded: 0,
      amountReturnedOutside: 0,
      foreignPayment: null,
      shippingAddress: order.shippingAddress,
      paymentIntentId: intent.id,
      reviewReason: null,
      reviewDecision: null,
      reservationExpiresAt: order.reservationExpiresAt,
      createdAt: WRITTEN_AT,
      lines: order.lines,
      history: [{ from: null, to: status, at: WRITTEN_AT, cause: 'checkout' }],
    },
    intent,
  );
}
