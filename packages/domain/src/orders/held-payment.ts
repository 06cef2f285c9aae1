import { Money } from '../money/money.js';
import { type ForeignPayment, heldForeign, type PaymentLedger } from './foreign-payment.js';
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
  /** Money received in another currency, kept apart from the order's figures. */
  foreign?: ForeignPayment | null;
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
  | {
      kind: 'returned';
      /** Whose figures `returnedOutside` is: the order's, or its foreign payment's. */
      ledger: PaymentLedger;
      returnedOutside: Money;
      reviewReason: string;
      entry: OrderTransition;
    }
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
 * review is over. A dispute in another currency than the order's concerns
 * the payment received in that currency (`ForeignPayment`), and returns it
 * in that currency, never in the order's figures.
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
  const ledger = heldIn(order, dispute.amount.currency);
  if (!ledger) return { kind: 'recorded', entry: stays(order, cause) };
  const returned = dispute.amount.greaterThan(ledger.held) ? ledger.held : dispute.amount;
  return {
    kind: 'returned',
    ledger: ledger.ledger,
    returnedOutside: ledger.returnedOutside ? ledger.returnedOutside.add(returned) : returned,
    reviewReason: `${LATE_PAYMENT_CHARGED_BACK}: ${dispute.reason}`,
    entry: stays(
      order,
      `${cause}: ${returned.amount} ${returned.currency} went back to the customer through the bank`,
    ),
  };
}

/**
 * What the order holds in `currency`, in the figures that currency belongs
 * to, or null when it holds nothing there: a dispute in another currency
 * than the order's can only concern its foreign payment.
 */
function heldIn(
  order: HeldPaymentOrder,
  currency: string,
): { ledger: PaymentLedger; held: Money; returnedOutside: Money | undefined } | null {
  if (currency === order.currency) {
    const held = unrefundedRest(order);
    return order.status === 'cancelled' && held.amount > 0
      ? { ledger: 'order', held, returnedOutside: order.returnedOutside }
      : null;
  }
  const held = heldForeign(order);
  return held && order.foreign && held.currency === currency
    ? { ledger: 'foreign', held, returnedOutside: order.foreign.returnedOutside }
    : null;
}

export interface OutsideSettlement {
  /** What the order counts as returned outside the shop once settled, in its currency. */
  returnedOutside: Money;
  /** The same for its foreign payment, when it held one: settled in that currency. */
  foreignReturnedOutside?: Money;
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
  // Both kinds of money held are settled, each in its own currency.
  const rest = unrefundedRest(order);
  const held = rest.amount > 0 ? rest : null;
  const foreign = heldForeign(order);
  const returnedOutside = order.returnedOutside ?? Money.zero(order.currency);
  const amounts = [held, foreign].filter((m): m is Money => m !== null);
  return {
    returnedOutside: held ? returnedOutside.add(held) : returnedOutside,
    ...(foreign && order.foreign
      ? { foreignReturnedOutside: order.foreign.returnedOutside.add(foreign) }
      : {}),
    reviewReason: LATE_PAYMENT_SETTLED_OUTSIDE,
    entry: stays(
      order,
      `settled_outside_shop_by:${actor} (${amounts.map((m) => `${m.amount} ${m.currency}`).join(', ')}): ${text}`,
    ),
  };
}
