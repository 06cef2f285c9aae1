import { Money, type PaymentLedger } from '@minishop/domain';
import type { EntityManager } from 'typeorm';

import type { OrderState } from './order.repository.js';

export interface RefundBooking {
  /** Whose figures it is booked in: the order's, or its payment in another currency. */
  ledger: PaymentLedger;
  orderId: string;
  /** The provider's idempotency key of the refund: one booking per key. */
  key: string;
  amount: number;
  /** What the ledger's figures count as requested once this refund is booked. */
  requestedAfter: number;
}

/** A booking the provider is not known to have (see `settle`). */
export interface UnsettledBooking {
  ledger: PaymentLedger;
  orderId: string;
  key: string;
  amount: number;
  bookedAt: Date;
  /**
   * Its refund is asked with the booking's key in its metadata
   * (`refundBookingMetadata`), so it can be found among the payment's
   * refunds. False for bookings made before refunds named them: asked again
   * under their key, they must be asked without, as they were first.
   */
  named: boolean;
}

/** A booking as a retry under its key finds it. */
export interface StoredBooking {
  amount: number;
  ledger: PaymentLedger;
  bookedAt: Date;
  named: boolean;
  /** The provider's refund it was settled with; null while unsettled (or settled before ids were kept). */
  refundId: string | null;
}

/**
 * A booking's amount as money: in the order's currency, or in that of its
 * payment in another currency.
 */
export function bookedMoney(
  order: Pick<OrderState, 'currency' | 'foreignPayment'>,
  booking: { amount: number; ledger: PaymentLedger },
): Money {
  const currency =
    booking.ledger === 'foreign' && order.foreignPayment
      ? order.foreignPayment.paid.currency
      : order.currency;
  return Money.of(booking.amount, currency);
}

export interface RefundFailure {
  /** Whose figures the refund came off: the order's, or its payment in another currency. */
  ledger: PaymentLedger;
  orderId: string;
  /** The provider's refund id: one take-back per refund. */
  refundId: string;
  amount: number;
  reason: string | null;
  /** What the provider counts as refunded of the charge now, the failed refund excluded. */
  confirmedRefunded: number;
}

/**
 * Refunds booked against an order before the provider is asked, in the
 * caller's transaction under the order's row lock. Keyed by the provider's
 * idempotency key, so a retried refund is booked once.
 */
export abstract class RefundLedger {
  /** The amount booked under `key` for the order, whose figures and when, or null when none was. */
  abstract bookedAmount(
    orderId: string,
    key: string,
    manager: EntityManager,
  ): Promise<StoredBooking | null>;
  /**
   * Records the booking and sets what the ledger's figures count as
   * requested (`refund_requested`, or the foreign payment's), unless the key
   * was booked already (then nothing changes). Whether it booked.
   */
  abstract book(booking: RefundBooking, manager: EntityManager): Promise<boolean>;
  /**
   * Records that the provider has the booking's refund (it answered with
   * `refundId`). On its own connection: after the provider call, no
   * transaction is open. False when the booking was no longer unsettled
   * (settled, or taken back by hand, meanwhile).
   */
  abstract settle(key: string, refundId: string): Promise<boolean>;
  /** The key of the booking the refund settles, or null when it settles none. On its own connection. */
  abstract settledBy(refundId: string): Promise<string | null>;
  /** The booking under `key` while it is unsettled, else null. On its own connection without a manager. */
  abstract findUnsettled(key: string, manager?: EntityManager): Promise<UnsettledBooking | null>;
  /**
   * Bookings not settled, booked within the range, oldest first: those whose
   * provider call failed without a refusal and was never retried, or whose
   * process died before or during it. On its own connection.
   */
  abstract unsettled(range: {
    bookedAfter: Date;
    bookedBefore: Date;
    limit: number;
  }): Promise<UnsettledBooking[]>;
  /** How many bookings booked before `date` are still not settled. On its own connection. */
  abstract unsettledBefore(date: Date): Promise<number>;
  /** Takes back a booking whose refund the provider refused or never got. */
  abstract unbook(orderId: string, key: string, manager: EntityManager): Promise<void>;
  /**
   * As `unbook`, only while the booking is unsettled: a person taking a
   * booking back must not undo one the provider answered for meanwhile.
   * Whether it took it back.
   */
  abstract unbookUnsettled(orderId: string, key: string, manager: EntityManager): Promise<boolean>;
  /**
   * Takes a refund the provider failed or cancelled after accepting it back
   * off the order's `refund_requested` (never below `confirmedRefunded`), and lowers
   * `amount_refunded` to `confirmedRefunded` when it had counted the refund;
   * for a refund of a payment in another currency, the same with the
   * foreign payment's figures. Once per refund id: the refunded figure
   * afterwards, or null when the refund had been taken back already.
   */
  abstract takeBackFailed(failure: RefundFailure, manager: EntityManager): Promise<number | null>;
  /** Whether the failed refund was taken back already; on its own connection without a manager. */
  abstract isTakenBack(refundId: string, manager?: EntityManager): Promise<boolean>;
  /**
   * How many of the order's refunds failed: part of new refunds' provider
   * keys. On its own connection without a manager.
   */
  abstract failedCount(orderId: string, manager?: EntityManager): Promise<number>;
}
