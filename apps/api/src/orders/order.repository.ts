import type {
  ForeignPayment,
  Money,
  OrderStatus,
  OrderTransition,
  PaymentReviewOutcome,
} from '@minishop/domain';
import type { EntityManager } from 'typeorm';

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface StockLine {
  variantId: string;
  quantity: number;
}

export interface VariantForSale {
  id: string;
  sku: string;
  /** Product and variant name as the customer saw them. */
  name: string;
  price: number;
  currency: string;
  archived: boolean;
}

export interface OrderLineSnapshot {
  variantId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

/** An order as checkout writes it; its ids are chosen before, so its PaymentIntent can be. */
export interface NewOrder {
  id: string;
  userId: string;
  checkoutKey: string;
  currency: string;
  subtotal: number;
  total: number;
  shippingAddress: ShippingAddress;
  reservationExpiresAt: Date;
  paymentIntentId: string;
  lines: (OrderLineSnapshot & { id: string })[];
}

/** What the write paths need to decide a change; read under a row lock. */
export interface OrderState {
  id: string;
  /**
   * Changes whenever the order's row is written: a decision prepared from an
   * unlocked read still holds under the lock when the version is the same.
   */
  version: string;
  userId: string;
  status: OrderStatus;
  currency: string;
  total: Money;
  amountPaid: Money;
  amountRefunded: Money;
  refundRequested: Money;
  /** Gone back to the customer outside the shop's refunds (a lost chargeback, a settlement). */
  returnedOutside: Money;
  /** Money received in another currency than the order's, kept apart in its own; null: none. */
  foreignPayment: ForeignPayment | null;
  paymentIntentId: string | null;
  /** When its stock reservation runs out, if it is still unpaid then. */
  reservationExpiresAt: Date;
  reviewReason: string | null;
  reviewDecision: PaymentReviewOutcome | null;
  lines: StockLine[];
}

/** An order read without a lock: `version` tells whether it is still so once locked. */
export type OrderSnapshot = Omit<OrderState, 'lines'>;

export interface OrderPatch {
  status?: OrderStatus;
  paymentIntentId?: string;
  amountPaid?: number;
  amountRefunded?: number;
  refundRequested?: number;
  returnedOutside?: number;
  /** Every figure of the foreign payment, with its currency, set at once. */
  foreignPayment?: ForeignPayment;
  /** Null clears it: the review was resolved. */
  reviewReason?: string | null;
  reviewDecision?: PaymentReviewOutcome | null;
  clearCheckoutKey?: true;
}

/** Money received in another currency than the order's, in that currency's minor units. */
export interface ForeignPaymentView {
  currency: string;
  paid: number;
  refunded: number;
  returnedOutside: number;
}

export interface OrderView {
  id: string;
  userId: string;
  status: OrderStatus;
  currency: string;
  subtotal: number;
  total: number;
  amountPaid: number;
  amountRefunded: number;
  amountReturnedOutside: number;
  foreignPayment: ForeignPaymentView | null;
  shippingAddress: ShippingAddress;
  paymentIntentId: string | null;
  reviewReason: string | null;
  reviewDecision: PaymentReviewOutcome | null;
  reservationExpiresAt: Date;
  createdAt: Date;
  lines: (OrderLineSnapshot & { id: string })[];
  history: { from: OrderStatus | null; to: OrderStatus; at: Date; cause: string }[];
}

export interface OrderListQuery {
  userId?: string;
  status?: OrderStatus;
  /** Only orders waiting for a person: isAwaitingReview or isAwaitingRefund of the domain. */
  awaitingReview?: boolean;
  limit: number;
  cursor?: string;
}

/**
 * Orders and the stock they hold. Every method taking a manager runs in the
 * caller's transaction; `lock*` methods take a row lock on the order.
 */
/** A pending order whose reservation ran out, as the expiry sweep first reads it. */
export interface DueOrder {
  id: string;
  paymentIntentId: string | null;
  /**
   * Its deadline as the database wrote it, to the microsecond, for the next
   * page to start after: a Date keeps milliseconds only, and orders whose
   * deadlines share one (set by one statement) would come round again.
   */
  expiresAt: string;
}

/** The order a checkout key made. */
export interface CheckoutKeyOrder {
  id: string;
  /** The SHA-256 of the request that made it; null for orders made before it was kept. */
  requestHash: string | null;
}

export abstract class OrderRepository {
  abstract releaseStock(lines: StockLine[], manager: EntityManager): Promise<void>;
  /** A paid reservation becomes a sale: on hand and reserved both go down. */
  abstract sellReservedStock(lines: StockLine[], manager: EntityManager): Promise<void>;
  /** In the manager's transaction, or on its own when none is given. */
  abstract findByCheckoutKey(
    userId: string,
    key: string,
    manager?: EntityManager,
  ): Promise<CheckoutKeyOrder | null>;
  /**
   * Stores the order's PaymentIntent unless it has one already or is no
   * longer pending; returns the buyer's e-mail address when it stored it
   * (for the "order placed" mail), null otherwise.
   */
  abstract attachPaymentIntent(
    id: string,
    paymentIntentId: string,
    manager: EntityManager,
  ): Promise<{ buyerEmail: string } | null>;
  abstract lockById(
    id: string,
    manager: EntityManager,
    ownerId?: string,
  ): Promise<OrderState | null>;
  /** The order as it is now, without a lock: to refuse early, before a provider call. */
  abstract stateById(id: string): Promise<OrderState | null>;
  abstract lockByPaymentIntent(
    paymentIntentId: string,
    manager: EntityManager,
  ): Promise<OrderState | null>;
  /**
   * Without a lock or a transaction, and without the stock lines: for
   * deciding what to ask the provider before locking.
   */
  abstract findById(id: string): Promise<OrderSnapshot | null>;
  abstract findByPaymentIntent(paymentIntentId: string): Promise<OrderSnapshot | null>;
  /** `findByPaymentIntent` for many intents in one query; unknown ones are left out. */
  abstract findByPaymentIntents(paymentIntentIds: readonly string[]): Promise<OrderSnapshot[]>;
  /** `findById` for many orders in one query; unknown ones are left out. */
  abstract findByIds(ids: readonly string[]): Promise<OrderSnapshot[]>;
  /**
   * Due pending orders, oldest first, read without locks: the page after
   * `after` (the last one of the page before).
   */
  abstract dueForExpiry(now: Date, limit: number, after?: DueOrder): Promise<DueOrder[]>;
  /** How many of these orders are cancelled, their last change recording `cause`. */
  abstract countEndedBy(ids: readonly string[], cause: string): Promise<number>;
  /**
   * Those of `orders` still pending and due once another transaction that
   * holds one (a payment being applied, a webhook) has ended, leaving out
   * those read without an intent that have one now: the provider was not
   * asked to cancel it. A holder that outlasts a few seconds is skipped:
   * its order is left to the next run.
   */
  abstract lockDueForExpiry(
    orders: readonly Pick<DueOrder, 'id' | 'paymentIntentId'>[],
    now: Date,
    manager: EntityManager,
  ): Promise<OrderState[]>;
  /**
   * Unpaid orders (not held for a payment review) of an account that is
   * disabled now, oldest first; none once it has been enabled again. Waits
   * for an order a payment is being applied to, which then is paid.
   */
  abstract lockUnpaidOfDisabledAccount(
    userId: string,
    limit: number,
    manager: EntityManager,
  ): Promise<OrderState[]>;
  abstract update(id: string, patch: OrderPatch, manager: EntityManager): Promise<void>;
  abstract recordTransition(
    id: string,
    change: OrderTransition,
    manager: EntityManager,
  ): Promise<void>;
  /** The statuses the order has had, oldest first (its history's `to`). */
  abstract statusHistory(id: string, manager: EntityManager): Promise<OrderStatus[]>;
  abstract view(id: string, ownerId?: string, manager?: EntityManager): Promise<OrderView | null>;
  abstract list(query: OrderListQuery): Promise<{ items: OrderView[]; nextCursor: string | null }>;
}
