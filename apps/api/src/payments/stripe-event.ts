import type Stripe from 'stripe';

import type { PaymentIntentStatus } from './payment-gateway.js';

/**
 * The part of Stripe's event payloads minishop reads, typed by hand so the
 * application does not depend on the SDK's types (refund events, added
 * later, use the SDK's `Stripe.Refund`). Field names are Stripe's
 * (snake_case); amounts are integer minor units, currencies lower case.
 */
export interface StripePaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: PaymentIntentStatus;
  metadata: Record<string, string>;
  latest_charge: string | null;
  cancellation_reason?: string | null;
  last_payment_error?: {
    type?: string;
    code?: string;
    decline_code?: string;
    message?: string;
  } | null;
}

export interface StripeChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  /** The total refunded so far, not this refund's amount. */
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  payment_intent: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  metadata: Record<string, string>;
}

interface StripeEventOf<Type extends string, Object> {
  id: string;
  object: 'event';
  type: Type;
  /** Unix seconds when Stripe created the event; delivery order may differ. */
  created: number;
  livemode: boolean;
  api_version: string | null;
  data: { object: Object; previous_attributes?: Record<string, unknown> };
}

export type PaymentIntentEventType =
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'payment_intent.canceled'
  | 'payment_intent.processing'
  | 'payment_intent.created'
  | 'payment_intent.requires_action'
  | 'payment_intent.amount_capturable_updated';

export type PaymentIntentEvent = StripeEventOf<PaymentIntentEventType, StripePaymentIntentObject>;
export type ChargeRefundedEvent = StripeEventOf<'charge.refunded', StripeChargeObject>;
/** A refund's change of state; `refund.failed` is sent together with `charge.refund.updated`. */
export type RefundEvent = StripeEventOf<'refund.failed' | 'charge.refund.updated', Stripe.Refund>;
/** A chargeback opened or closed; its object is the SDK's `Stripe.Dispute`. */
export type DisputeEvent = StripeEventOf<
  'charge.dispute.created' | 'charge.dispute.closed',
  Stripe.Dispute
>;
/** Any other event: acknowledged and recorded, its object left untyped. */
export type OtherStripeEvent = StripeEventOf<
  string,
  { id?: string; object: string; [field: string]: unknown }
>;

export type PaymentEvent =
  PaymentIntentEvent | ChargeRefundedEvent | RefundEvent | DisputeEvent | OtherStripeEvent;

export function isPaymentIntentEvent(event: PaymentEvent): event is PaymentIntentEvent {
  return event.type.startsWith('payment_intent.') && event.data.object.object === 'payment_intent';
}

export function isChargeRefundedEvent(event: PaymentEvent): event is ChargeRefundedEvent {
  return event.type === 'charge.refunded' && event.data.object.object === 'charge';
}

/**
 * A refund event whose refund has what the ledger stores of it: an id and a
 * positive whole amount. Stripe's always have; one that does
 * not (only a holder of the webhook secret can send it) is acknowledged as
 * ignored rather than failing its insert as a 500 for every retry.
 */
export function isRefundEvent(event: PaymentEvent): event is RefundEvent {
  if (event.type !== 'refund.failed' && event.type !== 'charge.refund.updated') return false;
  const refund = event.data.object as {
    object?: unknown;
    id?: unknown;
    amount?: unknown;
  };
  return (
    refund.object === 'refund' &&
    typeof refund.id === 'string' &&
    refund.id.length > 0 &&
    Number.isSafeInteger(refund.amount) &&
    (refund.amount as number) > 0
  );
}

export function isDisputeEvent(event: PaymentEvent): event is DisputeEvent {
  return (
    (event.type === 'charge.dispute.created' || event.type === 'charge.dispute.closed') &&
    event.data.object.object === 'dispute'
  );
}

/**
 * The id of the object the event is about (`pi_…`, `ch_…`), when it has one.
 * A dispute is filed under its charge, like `charge.refunded`: one deferred
 * until its late payment is booked is re-applied with the charge's other
 * events once that payment lands.
 */
export function eventObjectId(event: PaymentEvent): string | null {
  const object = event.data.object as { id?: unknown; object?: unknown; charge?: unknown };
  if (object.object === 'dispute' && typeof object.charge === 'string') return object.charge;
  const id = object.id;
  return typeof id === 'string' ? id : null;
}
