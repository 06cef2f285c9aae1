import { randomUUID } from 'node:crypto';

import { minimumCharge } from './minimum-charge.js';

/** A Stripe-shaped error: the HTTP status and the `error` object Stripe replies with. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly type:
      | 'invalid_request_error'
      | 'card_error'
      | 'idempotency_error'
      | 'api_error'
      | 'authentication_error',
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  toJSON(): { error: Record<string, string> } {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code
          ? {
              code: this.code,
              doc_url: `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, '-')}`,
            }
          : {}),
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

export type EmulatedIntentStatus = 'requires_payment_method' | 'succeeded' | 'canceled';

export interface EmulatedPaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic';
  client_secret: string;
  created: number;
  currency: string;
  description: string | null;
  last_payment_error: {
    type: 'card_error';
    code: string;
    decline_code: string;
    message: string;
    charge: string;
  } | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Record<string, string>;
  payment_method_types: string[];
  status: EmulatedIntentStatus;
}

export interface EmulatedCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  paid: boolean;
  payment_intent: string;
  refunded: boolean;
  /** Whether a dispute (chargeback) was opened for it. */
  disputed: boolean;
  status: 'succeeded' | 'failed';
}

export interface EmulatedRefund {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: 'succeeded' | 'failed' | 'canceled';
  /** Set when the refund failed or was cancelled, with one of Stripe's reasons. */
  failure_reason?: string;
}

export type EmulatedDisputeStatus = 'needs_response' | 'under_review' | 'won' | 'lost';

export interface EmulatedDispute {
  id: string;
  object: 'dispute';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string;
  status: EmulatedDisputeStatus;
}

export type EmulatedObject =
  EmulatedPaymentIntent | EmulatedCharge | EmulatedRefund | EmulatedDispute;

/** Stripe's dispute reasons, as a customer's bank gives them. */
const DISPUTE_REASONS = new Set([
  'bank_cannot_process',
  'credit_not_processed',
  'customer_initiated',
  'debit_not_authorized',
  'duplicate',
  'fraudulent',
  'general',
  'incorrect_account_details',
  'insufficient_funds',
  'product_not_received',
  'product_unacceptable',
  'subscription_canceled',
  'unrecognized',
]);

export type Params = Record<string, unknown>;

const CANCELABLE: ReadonlySet<EmulatedIntentStatus> = new Set(['requires_payment_method']);
const CANCELLATION_REASONS = new Set([
  'duplicate',
  'fraudulent',
  'requested_by_customer',
  'abandoned',
]);

/**
 * 24 alphanumerics (hex; about 86 random bits, as a UUID fixes its
 * version and variant digits). From randomUUID, which node draws from a
 * buffer it refills every 128 calls, where randomBytes asks OpenSSL each
 * time: the emulator's ids for a checkout took ~11 µs that way, ~0.7 now.
 */
function randomAlphanumerics(): string {
  return randomUUID().replace(/-/g, '').slice(0, 24);
}

function newId(prefix: string): string {
  // Stripe ids: a type prefix and 24 alphanumerics.
  return `${prefix}_${randomAlphanumerics()}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** A whole-number form parameter, as Stripe checks one: missing (when required) or not digits is a 400. */
export function integerParam(params: Params, name: string, required: boolean): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') {
    if (required) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Missing required param: ${name}.`,
        'parameter_missing',
        name,
      );
    }
    return undefined;
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      `Invalid integer: ${String(raw)}`,
      'parameter_invalid_integer',
      name,
    );
  }
  return Number(raw);
}

/** Stripe's ceiling for an amount: 8 digits in the smallest currency unit (999,999.99 EUR). */
export const STRIPE_MAX_AMOUNT = 99_999_999;

/** An amount Stripe takes: at least 1 cent, at most {@link STRIPE_MAX_AMOUNT}. */
function chargeableAmount(amount: number): number {
  if (amount < 1) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      'Amount must be at least 1 cent',
      'amount_too_small',
      'amount',
    );
  }
  if (amount > STRIPE_MAX_AMOUNT) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      `Amount must be no more than ${STRIPE_MAX_AMOUNT} in the smallest currency unit`,
      'amount_too_large',
      'amount',
    );
  }
  return amount;
}

function stringMap(params: Params, name: string): Record<string, string> {
  const raw = params[name];
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new EmulatorError(
      400,
      'invalid_request_error',
      `Invalid object`,
      'parameter_invalid_string_object',
      name,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function noSuch(kind: string, id: string, param = 'id'): EmulatorError {
  return new EmulatorError(
    404,
    'invalid_request_error',
    `No such ${kind}: '${id}'`,
    'resource_missing',
    param,
  );
}

/**
 * The emulator's state and rules: PaymentIntents, their charges and refunds,
 * changed the way Stripe changes them. Kept in memory on purpose: it is a
 * development stand-in, and a restart of the API forgetting unpaid test
 * intents is harmless (their orders expire like abandoned ones).
 */
export class EmulatorStore {
  private readonly intents = new Map<string, EmulatedPaymentIntent>();
  private readonly charges = new Map<string, EmulatedCharge>();
  private readonly refunds = new Map<string, EmulatedRefund>();
  private readonly disputes = new Map<string, EmulatedDispute>();

  createIntent(params: Params): EmulatedPaymentIntent {
    const amount = chargeableAmount(integerParam(params, 'amount', true) ?? 0);
    const currency = params.currency;
    if (typeof currency !== 'string' || !/^[a-zA-Z]{3}$/.test(currency)) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'Missing required param: currency.',
        'parameter_missing',
        'currency',
      );
    }
    const minimum = minimumCharge(currency);
    if (amount < minimum) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Amount must be at least ${minimum} in the smallest unit of ${currency.toLowerCase()}`,
        'amount_too_small',
        'amount',
      );
    }
    const id = newId('pi');
    const apm = params.automatic_payment_methods as { enabled?: string } | undefined;
    const intent: EmulatedPaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: apm ? { enabled: apm.enabled === 'true' } : null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic',
      client_secret: `${id}_secret_${randomAlphanumerics()}`,
      created: now(),
      currency: currency.toLowerCase(),
      description: typeof params.description === 'string' ? params.description : null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: stringMap(params, 'metadata'),
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    };
    this.intents.set(id, intent);
    return intent;
  }

  /** Every intent made, oldest first (Stripe's list, unpaginated). */
  listIntents(): EmulatedPaymentIntent[] {
    return [...this.intents.values()];
  }

  retrieveIntent(id: string): EmulatedPaymentIntent {
    const intent = this.intents.get(id);
    if (!intent) throw noSuch('payment_intent', id);
    return intent;
  }

  cancelIntent(id: string, params: Params): EmulatedPaymentIntent {
    const intent = this.retrieveIntent(id);
    if (!CANCELABLE.has(intent.status)) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
        'payment_intent_unexpected_state',
      );
    }
    const reason = params.cancellation_reason;
    if (reason !== undefined && (typeof reason !== 'string' || !CANCELLATION_REASONS.has(reason))) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'Invalid cancellation_reason',
        'parameter_invalid_string',
        'cancellation_reason',
      );
    }
    intent.status = 'canceled';
    intent.canceled_at = now();
    intent.cancellation_reason = typeof reason === 'string' ? reason : null;
    return intent;
  }

  retrieveCharge(id: string): EmulatedCharge {
    const charge = this.charges.get(id);
    if (!charge) throw noSuch('charge', id);
    return charge;
  }

  retrieveRefund(id: string): EmulatedRefund {
    const refund = this.refunds.get(id);
    if (!refund) throw noSuch('refund', id);
    return refund;
  }

  /**
   * `GET /v1/refunds`: the refunds of one payment (`payment_intent` or
   * `charge`), or of all, newest first, a page of `limit` (1-100, 10 by
   * default) after `starting_after`, as Stripe lists them.
   */
  listRefunds(query: Params): {
    object: 'list';
    data: EmulatedRefund[];
    has_more: boolean;
    url: string;
  } {
    const limit = integerParam(query, 'limit', false) ?? 10;
    if (limit < 1 || limit > 100) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'limit must be between 1 and 100.',
        'parameter_invalid_integer',
        'limit',
      );
    }
    // Insertion order is creation order; `created` has whole seconds only.
    let newestFirst = [...this.refunds.values()].reverse();
    const { payment_intent: intentId, charge: chargeId } = query;
    if (typeof intentId === 'string' && intentId !== '') {
      // As Stripe: listing a payment it does not know is a 404, not an empty list.
      this.retrieveIntent(intentId);
      newestFirst = newestFirst.filter((r) => r.payment_intent === intentId);
    }
    if (typeof chargeId === 'string' && chargeId !== '') {
      this.retrieveCharge(chargeId);
      newestFirst = newestFirst.filter((r) => r.charge === chargeId);
    }
    const after = query.starting_after;
    if (after !== undefined) {
      const place = newestFirst.findIndex((r) => r.id === after);
      if (typeof after !== 'string' || !this.refunds.has(after)) {
        throw new EmulatorError(
          400,
          'invalid_request_error',
          `No such refund: '${String(after)}'`,
          'resource_missing',
          'starting_after',
        );
      }
      newestFirst = place < 0 ? [] : newestFirst.slice(place + 1);
    }
    return {
      object: 'list',
      data: newestFirst.slice(0, limit),
      has_more: newestFirst.length > limit,
      url: '/v1/refunds',
    };
  }

  /** What the customer's card does: the payment goes through, or is declined. */
  simulate(
    id: string,
    outcome: 'succeeded' | 'failed',
  ): { intent: EmulatedPaymentIntent; charge: EmulatedCharge } {
    const intent = this.retrieveIntent(id);
    if (intent.status !== 'requires_payment_method') {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `This PaymentIntent's status is ${intent.status}; only one awaiting payment can be paid.`,
        'payment_intent_unexpected_state',
      );
    }
    const succeeded = outcome === 'succeeded';
    const charge: EmulatedCharge = {
      id: newId('ch'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: succeeded ? intent.amount : 0,
      amount_refunded: 0,
      captured: succeeded,
      created: now(),
      currency: intent.currency,
      failure_code: succeeded ? null : 'card_declined',
      failure_message: succeeded ? null : 'Your card was declined.',
      livemode: false,
      metadata: { ...intent.metadata },
      paid: succeeded,
      payment_intent: intent.id,
      refunded: false,
      disputed: false,
      status: succeeded ? 'succeeded' : 'failed',
    };
    this.charges.set(charge.id, charge);
    intent.latest_charge = charge.id;
    if (succeeded) {
      intent.status = 'succeeded';
      intent.amount_received = intent.amount;
      intent.last_payment_error = null;
    } else {
      // As in Stripe: a declined attempt sends the intent back to waiting for
      // a payment method, so the customer can try another card.
      intent.last_payment_error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        charge: charge.id,
      };
    }
    return { intent, charge };
  }

  createRefund(params: Params): { refund: EmulatedRefund; charge: EmulatedCharge } {
    const intentId = params.payment_intent;
    const chargeParam = params.charge;
    let charge: EmulatedCharge;
    if (typeof intentId === 'string' && intentId !== '') {
      const intent = this.intents.get(intentId);
      if (!intent) throw noSuch('payment_intent', intentId, 'payment_intent');
      if (intent.status !== 'succeeded' || !intent.latest_charge) {
        throw new EmulatorError(
          400,
          'invalid_request_error',
          `This PaymentIntent (${intentId}) does not have a successful charge to refund.`,
          'charge_not_refundable',
          'payment_intent',
        );
      }
      charge = this.retrieveCharge(intent.latest_charge);
    } else if (typeof chargeParam === 'string' && chargeParam !== '') {
      const found = this.charges.get(chargeParam);
      if (!found) throw noSuch('charge', chargeParam, 'charge');
      charge = found;
    } else {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'One of the following params should be provided for this request: payment_intent or charge.',
        'parameter_missing',
      );
    }
    // As Stripe: a charge under dispute, or charged back, cannot be refunded;
    // the bank decides where that money goes.
    const dispute = [...this.disputes.values()].find((d) => d.charge === charge.id);
    if (dispute && dispute.status !== 'won') {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} has been charged back; cannot issue a refund.`,
        'charge_disputed',
      );
    }
    const remaining = charge.amount_captured - charge.amount_refunded;
    if (remaining <= 0) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} has already been refunded.`,
        'charge_already_refunded',
      );
    }
    const amount = chargeableAmount(integerParam(params, 'amount', false) ?? remaining);
    if (amount > remaining) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount_too_large',
        'amount',
      );
    }
    const refund: EmulatedRefund = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      metadata: stringMap(params, 'metadata'),
      payment_intent: charge.payment_intent,
      reason: typeof params.reason === 'string' ? params.reason : null,
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    return { refund, charge };
  }

  retrieveDispute(id: string): EmulatedDispute {
    const dispute = this.disputes.get(id);
    if (!dispute) throw noSuch('dispute', id);
    return dispute;
  }

  /**
   * What a customer's bank does when the customer disputes a payment: a
   * dispute of the intent's charge opens (`reason`, default `fraudulent`;
   * `amount`, default what is not refunded). From then on the charge cannot
   * be refunded, as in Stripe, until the dispute is won.
   */
  openDispute(intentId: string, params: Params): EmulatedDispute {
    const intent = this.retrieveIntent(intentId);
    const charge = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined;
    if (intent.status !== 'succeeded' || !charge) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `This PaymentIntent (${intentId}) has no successful charge to dispute.`,
        'charge_not_disputable',
      );
    }
    if (charge.disputed) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} is disputed already.`,
        'charge_disputed',
      );
    }
    const reason = params.reason ?? 'fraudulent';
    if (typeof reason !== 'string' || !DISPUTE_REASONS.has(reason)) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        'Invalid reason',
        'parameter_invalid_string',
        'reason',
      );
    }
    const disputable = charge.amount_captured - charge.amount_refunded;
    const amount = integerParam(params, 'amount', false) ?? disputable;
    if (amount < 1 || amount > disputable) {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `A dispute amount must be between 1 and ${disputable}`,
        'parameter_invalid_integer',
        'amount',
      );
    }
    const dispute: EmulatedDispute = {
      id: newId('dp'),
      object: 'dispute',
      amount,
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: intent.id,
      reason,
      status: 'needs_response',
    };
    this.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    return dispute;
  }

  /** The bank's decision: `won` gives the money back to the merchant, `lost` keeps it with the customer. */
  closeDispute(id: string, outcome: 'won' | 'lost'): EmulatedDispute {
    const dispute = this.retrieveDispute(id);
    if (dispute.status === 'won' || dispute.status === 'lost') {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Dispute ${id} is closed already (${dispute.status}).`,
        'dispute_already_closed',
      );
    }
    dispute.status = outcome;
    dispute.is_charge_refundable = outcome === 'won';
    return dispute;
  }

  /**
   * What the bank does to a refund it cannot deliver (a closed or expired
   * card): Stripe marks the refund failed some time after it succeeded and
   * puts the amount back on the charge, which becomes refundable again.
   */
  failRefund(id: string): { refund: EmulatedRefund; charge: EmulatedCharge } {
    return this.takeBack(
      id,
      { status: 'failed', reason: 'expired_or_canceled_card' },
      'only a succeeded refund can fail',
    );
  }

  /**
   * What Stripe does to a refund that waited for the customer's action (some
   * payment methods' refunds do) and was cancelled or expired: status
   * `canceled`, the amount back on the charge. The emulator's refunds never
   * wait, so any refund that went through stands in for one that waited.
   */
  cancelRefund(id: string): { refund: EmulatedRefund; charge: EmulatedCharge } {
    return this.takeBack(
      id,
      { status: 'canceled', reason: 'merchant_request' },
      'only a refund still counted on its charge can be canceled',
    );
  }

  /** A succeeded refund undone with this outcome, its amount back on the charge. */
  private takeBack(
    id: string,
    outcome: { status: 'failed' | 'canceled'; reason: string },
    refusal: string,
  ): { refund: EmulatedRefund; charge: EmulatedCharge } {
    const refund = this.retrieveRefund(id);
    if (refund.status !== 'succeeded') {
      throw new EmulatorError(
        400,
        'invalid_request_error',
        `Refund ${id} is ${refund.status}; ${refusal}.`,
      );
    }
    const charge = this.retrieveCharge(refund.charge);
    refund.status = outcome.status;
    refund.failure_reason = outcome.reason;
    charge.amount_refunded -= refund.amount;
    charge.refunded = false;
    return { refund, charge };
  }
}

export { newId };
