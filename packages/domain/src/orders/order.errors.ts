import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../errors/domain-error.js';
import { echoableId } from '../ids/echoed-id.js';
import type { Money } from '../money/money.js';
import type { OrderStatus } from './order-status.js';

export class IllegalTransitionError extends ConflictError {
  readonly code = 'ORDER.ILLEGAL_TRANSITION';

  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus | 'payment_failed',
  ) {
    super(`An order in status ${from} cannot become ${to}`);
  }
}

/**
 * The order took a payment that did not match it and waits for a person to
 * decide (keep the money or give it back). The customer cannot cancel it:
 * cancelling would release the stock while the money stays captured.
 */
export class OrderUnderReviewError extends ConflictError {
  readonly code = 'ORDER.UNDER_REVIEW';

  constructor(readonly orderId: string) {
    super(
      `Order ${orderId} received a payment that is being reviewed and cannot be cancelled; the shop will contact you`,
    );
  }
}

/**
 * A payment review cannot be resolved this way: nothing waits for review,
 * or the other decision was taken already (a rejection under way is only
 * ever completed, as its refund may have reached the provider).
 */
export class PaymentReviewConflictError extends ConflictError {
  readonly code = 'ORDER.REVIEW_CONFLICT';

  constructor(
    readonly status: OrderStatus,
    why: string,
  ) {
    super(`The order (${status}) cannot be resolved so: ${why}`);
  }
}

/**
 * Fulfilling an order whose whole payment was asked back (a full refund on
 * its way) or went back otherwise: shipping it would send goods for money
 * that is leaving.
 */
export class NothingLeftToShipForError extends ConflictError {
  readonly code = 'ORDER.REFUNDED_IN_FULL';

  constructor(readonly orderId: string) {
    super(
      `Everything paid for order ${orderId} has been refunded or asked back; it cannot be fulfilled`,
    );
  }
}

/**
 * Fulfilling a paid order part of whose payment was asked back (a partial
 * refund on its way): the order stays `paid` only until the provider
 * confirms, and a `partially_refunded` order is never fulfilled. Refused
 * now too, so the moment a webhook arrives does not decide: ship first,
 * then refund what did not ship.
 */
export class PartlyRefundedOrderError extends ConflictError {
  readonly code = 'ORDER.PARTLY_REFUNDED';

  constructor(readonly orderId: string) {
    super(
      `Part of the payment for order ${orderId} has been refunded or asked back; a partly refunded order cannot be fulfilled. Fulfil orders before refunding what did not ship`,
    );
  }
}

/**
 * Settling a case outside the shop for an order that holds no money waiting
 * for a person: nothing to settle (never paid late, refunded, charged back,
 * or settled already).
 */
export class NothingHeldError extends ConflictError {
  readonly code = 'ORDER.NOTHING_HELD';

  constructor(
    readonly status: OrderStatus,
    why: string,
  ) {
    super(`The order (${status}) holds no money to settle: ${why}`);
  }
}

/** A settlement outside the shop must say what was agreed: the note is the only record of it. */
export class SettlementNoteRequiredError extends InvalidInputError {
  readonly code = 'ORDER.SETTLEMENT_NOTE_REQUIRED';

  constructor() {
    super('A settlement outside the shop needs a note saying how it was settled', [
      { field: 'note', message: 'note must not be empty' },
    ]);
  }
}

/** Accepting a reviewed payment that cannot count as the order's payment. */
export class PaymentNotAcceptableError extends RuleViolationError {
  readonly code = 'ORDER.PAYMENT_NOT_ACCEPTABLE';
}

export class OrderNotFoundError extends NotFoundError {
  readonly code = 'ORDER.NOT_FOUND';

  constructor(id: string) {
    super(echoableId(id) ? `Order ${id} was not found` : 'No order has that id (an id is a UUID)');
  }
}

export class EmptyCartError extends RuleViolationError {
  readonly code = 'CHECKOUT.EMPTY_CART';

  constructor() {
    super('The cart is empty: add items before checking out');
  }
}

/**
 * The cart totals more than one payment can take (see MAX_ORDER_TOTAL): no
 * retry would be paid, so it is refused before anything is reserved or a
 * payment is asked for. The buyer can check out part of it at a time.
 */
export class OrderTotalTooLargeError extends RuleViolationError {
  readonly code = 'CHECKOUT.TOTAL_TOO_LARGE';

  constructor(
    readonly total: Money,
    readonly max: Money,
  ) {
    super(
      `The order would total ${total.format()}, more than the ${max.format()} one payment can be: remove items from the cart and check out the rest in another order`,
    );
  }
}

/**
 * The order totals less than the payment provider charges at least (Stripe:
 * 0.50 EUR or USD, 0.30 GBP, 50 JPY, or its equivalent in the account's
 * settlement currency, which only the provider knows). Asking again cannot
 * succeed; a fuller cart can.
 */
export class OrderTotalTooSmallError extends RuleViolationError {
  readonly code = 'CHECKOUT.TOTAL_TOO_SMALL';

  constructor(readonly total: Money) {
    super(
      `The order would total ${total.format()}, less than the smallest payment the payment provider takes: add items to the cart and check out again`,
    );
  }
}

/** Some lines cannot be reserved; `variants` names each short variant. */
export class InsufficientStockError extends ConflictError {
  readonly code = 'STOCK.INSUFFICIENT';

  constructor(readonly variants: readonly { variantId: string; sku: string }[]) {
    super(
      `Not enough stock for ${variants.map((v) => v.sku).join(', ')}`,
      variants.map((v) => ({
        field: `variant:${v.variantId}`,
        message: `insufficient stock for ${v.sku}`,
      })),
    );
  }
}

/**
 * A retried checkout whose order (made by an earlier attempt under the same
 * Idempotency-Key, which failed before the order could be paid) was
 * cancelled since: it is not reopened for payment; a new key starts again.
 */
export class CheckoutOrderCancelledError extends ConflictError {
  readonly code = 'CHECKOUT.ORDER_CANCELLED';

  constructor(readonly orderId: string) {
    super(
      `The order ${orderId} made under this Idempotency-Key was cancelled before it could be paid; check out again with a new key`,
    );
  }
}

export class ArchivedProductInCartError extends ConflictError {
  readonly code = 'CHECKOUT.ARCHIVED_PRODUCT';

  constructor(readonly variants: readonly { variantId: string; sku: string }[]) {
    super(
      `No longer sold: ${variants.map((v) => v.sku).join(', ')}; remove them from the cart`,
      variants.map((v) => ({ field: `variant:${v.variantId}`, message: `${v.sku} is archived` })),
    );
  }
}

export class RefundExceedsPaymentError extends RuleViolationError {
  readonly code = 'ORDER.REFUND_EXCEEDS_PAYMENT';
}

export class IdempotencyKeyReusedError extends RuleViolationError {
  readonly code = 'IDEMPOTENCY.KEY_REUSED';

  /** @param detail what the key was used for already, when not another body. */
  constructor(detail = 'This Idempotency-Key was already used with a different request body') {
    super(detail);
  }
}

export class IdempotencyKeyInProgressError extends ConflictError {
  readonly code = 'IDEMPOTENCY.IN_PROGRESS';

  constructor() {
    super('A request with this Idempotency-Key is still being processed; retry shortly');
  }
}

export class IdempotencyKeyInvalidError extends InvalidInputError {
  readonly code = 'IDEMPOTENCY.KEY_INVALID';

  constructor(message: string) {
    super(message, [{ field: 'Idempotency-Key', message }]);
  }
}
