import type { EntityManager } from 'typeorm';

export interface RefundBooking {
  orderId: string;
  /** The provider's idempotency key of the refund: one booking per key. */
  key: string;
  amount: number;
  /** `orders.refund_requested` once this refund is booked. */
  requestedAfter: number;
}

/**
 * Refunds booked against an order before the provider is asked, in the
 * caller's transaction under the order's row lock. Keyed by the provider's
 * idempotency key, so a retried refund is booked once.
 */
export abstract class RefundLedger {
  /** The amount booked under `key` for the order, or null when none was. */
  abstract bookedAmount(
    orderId: string,
    key: string,
    manager: EntityManager,
  ): Promise<number | null>;
  /**
   * Records the booking and sets the order's `refund_requested`, unless the
   * key was booked already (then nothing changes). Whether it booked.
   */
  abstract book(booking: RefundBooking, manager: EntityManager): Promise<boolean>;
  /** Takes back a booking whose refund the provider refused or never got. */
  abstract unbook(orderId: string, key: string, manager: EntityManager): Promise<void>;
}
