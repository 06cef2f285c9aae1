import type { Money } from '@minishop/domain';

/** Stripe's PaymentIntent lifecycle, as the application sees it. */
export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface CreateIntentInput {
  orderId: string;
  amount: Money;
  /**
   * Sent to the provider, which replays its first reply for a repeated key,
   * so a retried checkout never creates a second intent.
   */
  idempotencyKey: string;
  /** Extra key/values stored on the intent (`orderId` is always added). */
  metadata?: Record<string, string>;
}

export interface PaymentIntentRef {
  id: string;
  /** Handed to the storefront, which confirms the payment with Stripe.js. */
  clientSecret: string;
  status: PaymentIntentStatus;
  amount: Money;
}

export interface PaymentIntentDetails extends PaymentIntentRef {
  /** What the provider actually collected; zero until the payment succeeds. */
  amountReceived: Money;
  latestChargeId: string | null;
  metadata: Record<string, string>;
}

export interface RefundInput {
  paymentIntentId: string;
  /** Absent: refund whatever is left of the captured amount. */
  amount?: Money;
  idempotencyKey: string;
  /**
   * Stored on the refund. Part of the request's parameters: a retry under
   * the same key must send the same, or Stripe refuses it as another
   * request (`idempotency_error`).
   */
  metadata?: Record<string, string>;
}

/** Which of the provider's undelivered events to list. */
export interface UndeliveredEventsQuery {
  /** Created at or after this. */
  since: Date;
  /**
   * Of these event types only (at most 20, as Stripe takes): the account
   * sends, and lists as undelivered, every type some endpoint of it asked
   * for, most of them of no use to the shop.
   */
  types: readonly string[];
  /** The last event of the page before. */
  startingAfter?: string;
}

/** One page of the provider's events that did not reach every webhook endpoint. */
export interface UndeliveredEventsPage {
  /** Newest first, as the provider lists them; unchecked, as the provider sent them. */
  events: unknown[];
  /** More, older events follow the last of `events`. */
  hasMore: boolean;
}

export type RefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';

export interface RefundRef {
  id: string;
  status: RefundStatus;
  amount: Money;
}

/** A refund as the provider lists it for a payment, with what it was asked with. */
export interface ProviderRefund extends RefundRef {
  metadata: Record<string, string>;
}

/**
 * The payment provider, seen from the application. The Stripe adapter
 * implements it (against real Stripe or the local emulator); tests may
 * override it. Every method throws the payment errors of `@minishop/domain`
 * (`PaymentDeclinedError`, `PaymentNotFoundError`, `PaymentStateConflictError`,
 * `PaymentAmountTooLargeError`, `PaymentAmountTooSmallError`,
 * `PaymentProviderError`), never a provider SDK error.
 */
export abstract class PaymentGateway {
  abstract createIntent(input: CreateIntentInput): Promise<PaymentIntentRef>;
  abstract retrieveIntent(id: string): Promise<PaymentIntentDetails>;
  /** Cancels an intent that has not succeeded; the provider then sends `payment_intent.canceled`. */
  abstract cancelIntent(id: string, idempotencyKey?: string): Promise<PaymentIntentRef>;
  abstract refund(input: RefundInput): Promise<RefundRef>;
  /**
   * Every refund of the intent's payment, whatever its status, newest
   * first. Read by another route than the refund's idempotency key, whose
   * stored answer may be an error that says nothing of what was made.
   */
  abstract refundsOf(paymentIntentId: string): Promise<ProviderRefund[]>;
  /** What the provider counts as refunded of a charge now (failed refunds no longer count). */
  abstract refundedAmount(chargeId: string): Promise<Money>;
  /**
   * Events whose delivery to some webhook endpoint has not succeeded (still
   * being retried, or given up on), newest first, a page at a time.
   */
  abstract undeliveredEvents(query: UndeliveredEventsQuery): Promise<UndeliveredEventsPage>;
}
