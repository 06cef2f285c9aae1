import type { HeldPaymentOrder } from '@minishop/domain';

import type { OrderState } from './order.repository.js';

/** An order's money as the held-payment rules (disputes, settlements) read it. */
export function heldPaymentFigures(order: OrderState): HeldPaymentOrder {
  return {
    status: order.status,
    currency: order.currency,
    paid: order.amountPaid,
    refunded: order.amountRefunded,
    requested: order.refundRequested,
    returnedOutside: order.returnedOutside,
    foreign: order.foreignPayment,
  };
}
