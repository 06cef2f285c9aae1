import { ConflictError, NotFoundError, RuleViolationError } from '../errors/domain-error.js';
import type { Money } from '../money/money.js';

/**
 * The metadata key under which a refund carries the key of the booking it
 * was asked for. Stripe replays a 500 to every retry under the booking's
 * idempotency key, so the key alone cannot tell whether the refund was made;
 * the payment's refunds, listed by another route, can, when each names its
 * booking.
 */
export const REFUND_BOOKING_METADATA = 'refundBooking';

/** A refund as the provider lists it for a payment. */
export interface ListedRefund {
  id: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  amount: Money;
  metadata: Readonly<Record<string, string>>;
}

/** The metadata a refund is asked with, so it can be found again for its booking. */
export function refundBookingMetadata(bookingKey: string): Record<string, string> {
  return { [REFUND_BOOKING_METADATA]: bookingKey };
}

/**
 * The refund the provider made for a booking, or null when none of the
 * payment's refunds names it. Refunds made before bookings were named never
 * match: for them null says nothing.
 */
export function refundOfBooking<R extends ListedRefund>(
  refunds: readonly R[],
  bookingKey: string,
): R | null {
  return refunds.find((r) => r.metadata[REFUND_BOOKING_METADATA] === bookingKey) ?? null;
}

/**
 * Why a refund cannot be the one a booking asked for, or null when it can:
 * a refund an admin names by hand must have given back the amount booked,
 * in its currency, and must not be named for another booking. One named for
 * this booking may be for less: the rest of a whole refund, made when the
 * charge had less left than was booked. One named for this booking is its
 * refund whatever its status: if it failed or was cancelled, its own events
 * take its amount back, by its id. Any other that failed or was cancelled
 * gave nothing back for this booking.
 */
export function refundBookingMismatch(
  booking: { key: string; amount: Money },
  refund: ListedRefund,
): string | null {
  const namedFor = refund.metadata[REFUND_BOOKING_METADATA];
  if (namedFor !== undefined && namedFor !== booking.key) {
    return `refund ${refund.id} was made for another booking (${namedFor})`;
  }
  if (namedFor === undefined && (refund.status === 'failed' || refund.status === 'canceled')) {
    return `refund ${refund.id} is ${refund.status}: it gave nothing back`;
  }
  const fits =
    namedFor === booking.key
      ? refund.amount.currency === booking.amount.currency &&
        !refund.amount.greaterThan(booking.amount)
      : refund.amount.equals(booking.amount);
  if (!fits) {
    return `refund ${refund.id} is of ${refund.amount.format()}, the booking of ${booking.amount.format()}`;
  }
  return null;
}

/** No unsettled refund booking has this key. */
export class RefundBookingNotFoundError extends NotFoundError {
  readonly code = 'REFUND_BOOKING.NOT_FOUND';

  constructor(key: string) {
    super(`No unsettled refund booking has the key ${key}`);
  }
}

/**
 * The booking cannot be closed this way now: settled meanwhile, too young
 * (its own request may still be at work on it), or its payment's provider
 * record says otherwise.
 */
export class RefundBookingConflictError extends ConflictError {
  readonly code = 'REFUND_BOOKING.CONFLICT';
}

/** The refund named for a booking is not the one the booking asked for. */
export class RefundBookingMismatchError extends RuleViolationError {
  readonly code = 'REFUND_BOOKING.MISMATCH';
}
