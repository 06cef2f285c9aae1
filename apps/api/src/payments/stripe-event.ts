import { isKnownCurrency } from '@minishop/domain';
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
/**
 * A refund's change of state. Stripe sends `refund.updated` for every refund
 * and `charge.refund.updated` only for some payment methods, so one change
 * may come as both; a failure comes with `refund.failed` as well.
 */
export type RefundEvent = StripeEventOf<
  'refund.failed' | 'refund.updated' | 'charge.refund.updated',
  Stripe.Refund
>;
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

/** A refund event whose refund has every field the shop reads, as Stripe sends it. */
export function isRefundEvent(event: PaymentEvent): event is RefundEvent {
  return (
    (event.type === 'refund.failed' ||
      event.type === 'refund.updated' ||
      event.type === 'charge.refund.updated') &&
    paymentEventDefect(event) === undefined
  );
}

/** A dispute event whose dispute has every field the shop reads, as Stripe sends it. */
export function isDisputeEvent(event: PaymentEvent): event is DisputeEvent {
  return (
    (event.type === 'charge.dispute.created' || event.type === 'charge.dispute.closed') &&
    paymentEventDefect(event) === undefined
  );
}

type FieldRule = [field: string, holds: (value: unknown) => boolean, expected: string];

const isId = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
/** Stripe sends a reference as an id, as the object (expanded), or null for none. */
const isReference = (v: unknown): boolean =>
  v === null ||
  v === undefined ||
  isId(v) ||
  (typeof v === 'object' && isId((v as { id?: unknown }).id));
const isMinorUnits = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isCurrency = (v: unknown): boolean =>
  typeof v === 'string' && isKnownCurrency(v.toUpperCase());
const isText = (v: unknown): boolean => typeof v === 'string';
const isTextOrNone = (v: unknown): boolean =>
  v === null || v === undefined || typeof v === 'string';

const ID: FieldRule = ['id', isId, 'an id'];
const CURRENCY: FieldRule = ['currency', isCurrency, 'a known ISO 4217 currency code'];
const MINOR_UNITS = 'a whole non-negative number of minor units';
const REFERENCE = 'an id, the object or null';

const INTENT: FieldRule[] = [
  ID,
  ['amount', isMinorUnits, MINOR_UNITS],
  ['amount_received', isMinorUnits, MINOR_UNITS],
  CURRENCY,
];
const CHARGE: FieldRule[] = [
  ID,
  ['payment_intent', isReference, REFERENCE],
  ['amount_refunded', isMinorUnits, MINOR_UNITS],
  CURRENCY,
];
const REFUND: FieldRule[] = [
  ID,
  // The ledger takes each refund back by its amount: one of nothing is none.
  ['amount', (v) => isMinorUnits(v) && (v as number) > 0, 'a whole positive number of minor units'],
  CURRENCY,
  ['status', isTextOrNone, 'text or null'],
  ['failure_reason', isTextOrNone, 'text or null'],
  ['charge', isReference, REFERENCE],
  ['payment_intent', isReference, REFERENCE],
];
const DISPUTE: FieldRule[] = [
  ID,
  ['amount', isMinorUnits, MINOR_UNITS],
  CURRENCY,
  ['status', isText, 'text'],
  ['reason', isText, 'text'],
  // Filed under its charge (eventObjectId), so it is re-applied with the charge's events.
  ['charge', isId, 'an id'],
  ['payment_intent', isReference, REFERENCE],
];

/** The event types the shop applies: the object each is about, and what of it is read. */
const APPLIED: Record<string, { object: string; fields: FieldRule[] }> = {
  'payment_intent.succeeded': { object: 'payment_intent', fields: INTENT },
  'payment_intent.payment_failed': { object: 'payment_intent', fields: INTENT },
  'payment_intent.canceled': { object: 'payment_intent', fields: INTENT },
  'charge.refunded': { object: 'charge', fields: CHARGE },
  'refund.failed': { object: 'refund', fields: REFUND },
  // A refund cancelled (or expired) while waiting for the customer comes as
  // `refund.updated` only: `charge.refund.updated` is for some payment methods.
  'refund.updated': { object: 'refund', fields: REFUND },
  'charge.refund.updated': { object: 'refund', fields: REFUND },
  'charge.dispute.created': { object: 'dispute', fields: DISPUTE },
  'charge.dispute.closed': { object: 'dispute', fields: DISPUTE },
};

/**
 * The event types the shop acts on (the orders module's handler applies
 * these and ignores every other). The catch-up asks the provider for these
 * only: it lists an event as undelivered until every endpoint of the
 * account got it, whatever its type.
 */
export const APPLIED_EVENT_TYPES: readonly string[] = Object.freeze(Object.keys(APPLIED));

/**
 * Why an event of a type the shop applies cannot be applied as sent: the
 * first field it reads of the event's object that is missing or not in
 * Stripe's shape (ids are non-empty strings, amounts whole non-negative
 * minor units, currencies known ISO 4217 codes). Undefined when it can be,
 * and for every type the shop does not apply. Only a holder of the webhook
 * secret can send such an event, and Stripe's never are; read unchecked, a
 * currency of "e" or a fractional amount failed deep in the handler as a
 * 4xx or 5xx that Stripe would redeliver for days, and a currency that
 * names no currency could be taken for the order's own.
 */
export function paymentEventDefect(event: PaymentEvent): string | undefined {
  const applied = Object.hasOwn(APPLIED, event.type) ? APPLIED[event.type] : undefined;
  if (!applied) return undefined;
  const object = event.data.object as Record<string, unknown>;
  if (object.object !== applied.object) return `data.object is not a ${applied.object}`;
  for (const [field, holds, expected] of applied.fields) {
    const value = object[field];
    if (!holds(value)) {
      const sent = value === undefined ? 'absent' : JSON.stringify(value).slice(0, 40);
      return `${applied.object}.${field} must be ${expected}, not ${sent}`;
    }
  }
  return undefined;
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
