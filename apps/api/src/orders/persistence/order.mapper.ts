import type { AddressDto, MoneyDto, OrderDto } from '@minishop/contracts';

import type { OrderView } from '../order.repository.js';

const money = (amount: number, currency: string): MoneyDto => ({ amount, currency });

/** The reply shape of an order; only whitelisted fields leave the module. */
export function toOrderDto(view: OrderView): OrderDto {
  const a = view.shippingAddress;
  const address: AddressDto = {
    name: a.name,
    line1: a.line1,
    ...(a.line2 !== undefined ? { line2: a.line2 } : {}),
    city: a.city,
    postalCode: a.postalCode,
    country: a.country,
  };
  return {
    id: view.id,
    status: view.status,
    lines: view.lines.map((l) => ({
      id: l.id,
      variantId: l.variantId,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: money(l.unitPrice, view.currency),
      lineTotal: money(l.lineTotal, view.currency),
    })),
    subtotal: money(view.subtotal, view.currency),
    total: money(view.total, view.currency),
    amountPaid: money(view.amountPaid, view.currency),
    amountRefunded: money(view.amountRefunded, view.currency),
    amountReturnedOutside: money(view.amountReturnedOutside, view.currency),
    foreignPayment: view.foreignPayment && {
      amountPaid: money(view.foreignPayment.paid, view.foreignPayment.currency),
      amountRefunded: money(view.foreignPayment.refunded, view.foreignPayment.currency),
      amountReturnedOutside: money(
        view.foreignPayment.returnedOutside,
        view.foreignPayment.currency,
      ),
    },
    shippingAddress: address,
    paymentIntentId: view.paymentIntentId,
    reviewReason: view.reviewReason,
    reservationExpiresAt: view.reservationExpiresAt.toISOString(),
    createdAt: view.createdAt.toISOString(),
    history: view.history.map((h) => ({
      from: h.from,
      to: h.to,
      at: h.at.toISOString(),
      cause: h.cause,
    })),
  };
}

/**
 * An order as staff see it: with the payment review's decision, so a
 * rejection whose refund is still to be made is visible. Customers are not
 * shown how the shop decided; `reviewReason` already tells them to wait.
 */
export function toStaffOrderDto(view: OrderView): OrderDto {
  return { ...toOrderDto(view), reviewDecision: view.reviewDecision };
}
