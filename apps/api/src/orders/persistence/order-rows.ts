import type { OrderStatus, PaymentReviewOutcome } from '@minishop/domain';

import type { OrderView, ShippingAddress } from '../order.repository.js';

/** Rows as node-postgres returns them (bigint as text), and their view. */
export interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  currency: string;
  subtotal: string;
  total: string;
  amount_paid: string;
  amount_refunded: string;
  refund_requested: string;
  amount_returned_outside: string;
  foreign_currency: string | null;
  foreign_paid: string;
  foreign_refunded: string;
  foreign_refund_requested: string;
  foreign_returned_outside: string;
  shipping_address: ShippingAddress;
  payment_intent_id: string | null;
  review_reason: string | null;
  review_decision: PaymentReviewOutcome | null;
  reservation_expires_at: Date;
  created_at: Date;
  cursor_at: string;
}

export interface OrderLineRow {
  id: string;
  order_id: string;
  variant_id: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price: string;
  line_total: string;
}

export interface HistoryRow {
  order_id: string;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  cause: string;
  at: Date;
}

export function toView(r: OrderRow, lines: OrderLineRow[], history: HistoryRow[]): OrderView {
  return {
    id: r.id,
    userId: r.user_id,
    status: r.status,
    currency: r.currency,
    subtotal: Number(r.subtotal),
    total: Number(r.total),
    amountPaid: Number(r.amount_paid),
    amountRefunded: Number(r.amount_refunded),
    amountReturnedOutside: Number(r.amount_returned_outside),
    foreignPayment: r.foreign_currency
      ? {
          currency: r.foreign_currency,
          paid: Number(r.foreign_paid),
          refunded: Number(r.foreign_refunded),
          returnedOutside: Number(r.foreign_returned_outside),
        }
      : null,
    shippingAddress: r.shipping_address,
    paymentIntentId: r.payment_intent_id,
    reviewReason: r.review_reason,
    reviewDecision: r.review_decision,
    reservationExpiresAt: r.reservation_expires_at,
    createdAt: r.created_at,
    lines: lines.map((l) => ({
      id: l.id,
      variantId: l.variant_id,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: Number(l.unit_price),
      lineTotal: Number(l.line_total),
    })),
    history: history.map((h) => ({
      from: h.from_status,
      to: h.to_status,
      at: h.at,
      cause: h.cause,
    })),
  };
}
