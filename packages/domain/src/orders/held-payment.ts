import type { Money } from '../money/money.js';
import { isAwaitingRefund } from './late-payment.js';
import { NothingHeldError, SettlementNoteRequiredError } from './order.errors.js';
import { type RefundableOrder, unrefundedRest } from './order-refunds.js';
import type { OrderTransition } from './order-state-machine.js';

/**
 * A cancelled order holds money when a late payment's refund was refused
 * (a disputed charge) or failed at the bank (`isAwaitingRefund`). When that
 * money can never go back through the shop, it leaves the shop another way,
 * and the order records how, with one of these review reasons; like
 * `paid_after_cancellation` they are a record that waits for nobody.
 */
/** The customer's bank took the money back: a dispute the shop lost. */
export const LATE_PAYMENT_CHARGED_BACK = 'late_payment_charged_back';
/** Staff settled the case by hand, outside the shop (a bank transfer, an agreement). */
export const LATE_PAYMENT_SETTLED_OUTSIDE = 'late_payment_settled_outside';

/** A Stripe dispute (chargeback) of the order's payment, as its event tells it. */
export interface DisputeFacts {
  id: string;
  /** Stripe's status: `won`, `lost`, `warning_closed` once closed; others while open. */
  status: string;
  /** Stripe's reason, e.g. `fraudulent`, `product_not_received`. */
  reason: string;
  /** What the customer disputed, in the charge's currency. */
  amount: Money;
}

export interface HeldPaymentOrder extends RefundableOrder {
  currency: string;
}

/**
 * What a dispute event does to an order:
 * - `returned`: the money went back to the customer outside the shop; the
 *   order counts `returnedOutside` as given back (it no longer holds it, so
 *   it leaves the admins' review list) and records `entry` and `reviewReason`;
 * - `recorded`: only `entry` goes into the history (the dispute opened, was
 *   won, or was lost for money the order no longer held);
 * - `ignored`: the order is no cancelled one; a dispute of a paid order is
 *   Stripe's dashboard's business, not this process's.
 */
export type DisputeStep =
  | { kind: 'returned'; returnedOutside: Money; reviewReason: string; entry: OrderTransition }
  | { kind: 'recorded'; entry: OrderTransition }
  | { kind: 'ignored' };

const describe = (d: DisputeFacts) =>
  `${d.reason}, ${d.amount.amount} ${d.amount.currency} disputed (${d.id})`;
const stays = (order: HeldPaymentOrder, cause: string): OrderTransition => ({
  from: order.status,
  to: order.status,
  cause,
});

/**
 * A dispute opened for an order that was cancelled: recorded, so staff see
 * why Stripe refuses to refund the money the order holds. Nothing moves:
 * Stripe withdraws the disputed amount meanwhile, but gives it back if the
 * shop wins, so only the dispute's close decides where the money ends.
 */
export function decideDisputeOpened(order: HeldPaymentOrder, dispute: DisputeFacts): DisputeStep {
  if (order.status !== 'cancelled') return { kind: 'ignored' };
  return { kind: 'recorded', entry: stays(order, `charge.dispute.created: ${describe(dispute)}`) };
}

/**
 * A dispute closed for a cancelled order.
 *
 * Lost: the bank gave the disputed amount back to the customer, so the order
 * counts it as returned (never more than it still held, never twice: the
 * amount is set from what is held, and a repeat finds nothing held) and its
 * review is over. A dispute in another currency than the order's was never
 * booked as the order's money, so it is only recorded.
 *
 * Won (or an inquiry closed without becoming a chargeback): Stripe gives the
 * money back to the shop, which holds it again and still owes it to the
 * customer of a cancelled order; the order stays under review, and now that
 * no dispute blocks it an admin refund goes through, or staff settle it.
 */
export function decideDisputeClosed(order: HeldPaymentOrder, dispute: DisputeFacts): DisputeStep {
  if (order.status !== 'cancelled') return { kind: 'ignored' };
  const cause = `charge.dispute.closed: ${dispute.status} (${describe(dispute)})`;
  if (dispute.status !== 'lost') {
    const note = isAwaitingRefund(order) ? '; the money is back with the shop, still owed' : '';
    return { kind: 'recorded', entry: stays(order, `${cause}${note}`) };
  }
  if (dispute.amount.currency !== order.currency || !isAwaitingRefund(order)) {
    return { kind: 'recorded', entry: stays(order, cause) };
  }
  const held = unrefundedRest(order);
  const returned = dispute.amount.greaterThan(held) ? held : dispute.amount;
  return {
    kind: 'returned',
    returnedOutside: order.returnedOutside ? order.returnedOutside.add(returned) : returned,
    reviewReason: `${LATE_PAYMENT_CHARGED_BACK}: ${dispute.reason}`,
    entry: stays(
      order,
      `${cause}: ${returned.amount} ${returned.currency} went back to the customer through the bank`,
    ),
  };
}

export interface OutsideSettlement {
  /** What the order counts as returned outside the shop once settled. */
  returnedOutside: Money;
  reviewReason: string;
  entry: OrderTransition;
}

/**
 * An admin closes by hand the case of a cancelled order holding money (the
 * customer was paid back outside the shop, or agreed otherwise): everything
 * it holds counts as returned outside the shop, with the admin and the note
 * in its history. The note is required and is the only record of what was
 * agreed. An order holding nothing is a 409 (`NothingHeldError`): settled
 * already, refunded, or never paid late.
 */
export function decideOutsideSettlement(
  order: HeldPaymentOrder,
  actor: string,
  note: string,
): OutsideSettlement {
  const text = note.trim();
  if (text === '') throw new SettlementNoteRequiredError();
  if (!isAwaitingRefund(order)) {
    throw new NothingHeldError(
      order.status,
      order.status === 'cancelled'
        ? 'everything it was paid was refunded or returned outside the shop already'
        : 'only a cancelled order holding a payment nobody gave back can be settled outside the shop',
    );
  }
  const held = unrefundedRest(order);
  return {
    returnedOutside: order.returnedOutside ? order.returnedOutside.add(held) : held,
    reviewReason: LATE_PAYMENT_SETTLED_OUTSIDE,
    entry: stays(
      order,
      `settled_outside_shop_by:${actor} (${held.amount} ${held.currency}): ${text}`,
    ),
  };
}
