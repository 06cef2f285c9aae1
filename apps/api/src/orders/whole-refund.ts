import { type Money, PaymentStateConflictError } from '@minishop/domain';

import type { PaymentGateway, RefundRef } from '../payments/payment-gateway.js';

export interface WholeRefund {
  paymentIntentId: string;
  /** What the order counts as still refundable. */
  amount: Money;
  idempotencyKey: string;
  /** Sent with the refund, the rest's included (see RefundInput). */
  metadata?: Record<string, string>;
}

/**
 * Stripe's answers meaning the charge has less left than we asked for:
 * someone refunded part of it (or all of it) outside minishop, by hand in
 * the dashboard, and its `charge.refunded` has not reached the order yet.
 */
const LESS_LEFT = new Set(['amount_too_large', 'charge_already_refunded']);

/**
 * Refunds everything that is left of a payment (an admin refund without an
 * amount, a payment that came after its order was cancelled). It asks for
 * the amount the order counts as refundable, so the refund books and matches
 * exactly that. When the charge has less left, asking again with the same
 * amount could never succeed (the event would be retried for ever, the admin
 * refused each time): it asks instead for whatever is left, under a key
 * derived from the first, so a retry gets the same refund back. Stripe's
 * figure for what is left is the truth here; the order learns the refunds
 * from their `charge.refunded` events as usual.
 *
 * Throws `PaymentStateConflictError` (`charge_already_refunded`) when nothing
 * is left at all.
 */
export async function refundWhole(
  payments: PaymentGateway,
  refund: WholeRefund,
): Promise<RefundRef> {
  try {
    return await payments.refund(refund);
  } catch (error) {
    if (!(error instanceof PaymentStateConflictError) || !LESS_LEFT.has(error.providerCode ?? '')) {
      throw error;
    }
    return payments.refund({
      paymentIntentId: refund.paymentIntentId,
      idempotencyKey: `${refund.idempotencyKey}-rest`,
      ...(refund.metadata ? { metadata: refund.metadata } : {}),
    });
  }
}
