import { Money } from '../money/money.js';
import type { RefundableOrder } from './order-refunds.js';
import type { OrderStatus } from './order-status.js';

/**
 * For specs (left out of the build): an order's refund figures in EUR, 30.00
 * paid and nothing asked back or returned unless given.
 */
export const aRefundableOrder = (
  status: OrderStatus,
  figures: { paid?: number; refunded?: number; requested?: number; outside?: number } = {},
): RefundableOrder => {
  const eur = (amount: number) => Money.of(amount, 'EUR');
  return {
    status,
    paid: eur(figures.paid ?? 3000),
    refunded: eur(figures.refunded ?? 0),
    requested: eur(figures.requested ?? 0),
    ...(figures.outside === undefined ? {} : { returnedOutside: eur(figures.outside) }),
  };
};
