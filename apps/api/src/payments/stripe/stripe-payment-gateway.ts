import {
  InvalidRefundAmountError,
  Money,
  PaymentAmountTooLargeError,
  PaymentAmountTooSmallError,
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentStateConflictError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';

import {
  type CreateIntentInput,
  PaymentGateway,
  type PaymentIntentDetails,
  type PaymentIntentRef,
  type ProviderRefund,
  type RefundInput,
  type RefundRef,
  type UndeliveredEventsPage,
  type UndeliveredEventsQuery,
} from '../payment-gateway.js';
import { StripeClient } from './stripe-client.provider.js';
import { loadStripeSdk } from './stripe-sdk.js';

/** Error codes of Stripe's that mean "not in this state", not "bad request". */
const STATE_CODES = new Set([
  'payment_intent_unexpected_state',
  'charge_already_refunded',
  'charge_not_refundable',
  // A refund of a charged-back payment; Stripe uses either code.
  'charge_disputed',
  'refund_disputed_payment',
  'idempotency_key_in_use',
]);

/**
 * `PaymentGateway` on the official Stripe SDK. The same code talks to real
 * Stripe or to the local emulator; only the client's host differs.
 */
@Injectable()
export class StripePaymentGateway extends PaymentGateway {
  constructor(private readonly client: StripeClient) {
    super();
  }

  async createIntent(input: CreateIntentInput): Promise<PaymentIntentRef> {
    const intent = await this.call((stripe) =>
      stripe.paymentIntents.create(
        {
          amount: input.amount.amount,
          currency: input.amount.currency.toLowerCase(),
          // Stripe.js confirms with whichever method the storefront offers.
          automatic_payment_methods: { enabled: true },
          metadata: { ...input.metadata, orderId: input.orderId },
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    return toRef(intent);
  }

  async retrieveIntent(id: string): Promise<PaymentIntentDetails> {
    const intent = await this.call((stripe) => stripe.paymentIntents.retrieve(id));
    const ref = toRef(intent);
    return {
      ...ref,
      amountReceived: Money.of(intent.amount_received, ref.amount.currency),
      latestChargeId:
        typeof intent.latest_charge === 'string'
          ? intent.latest_charge
          : (intent.latest_charge?.id ?? null),
      metadata: { ...intent.metadata },
    };
  }

  async cancelIntent(id: string, idempotencyKey?: string): Promise<PaymentIntentRef> {
    const intent = await this.call((stripe) =>
      stripe.paymentIntents.cancel(
        id,
        { cancellation_reason: 'requested_by_customer' },
        // The SDK would generate a key for its own retries anyway; a stable
        // one from the caller also covers the caller's retries.
        { idempotencyKey: idempotencyKey ?? `cancel-${id}` },
      ),
    );
    return toRef(intent);
  }

  async refund(input: RefundInput): Promise<RefundRef> {
    if (input.amount && input.amount.amount <= 0) {
      throw new InvalidRefundAmountError('a refund amount must be positive');
    }
    const refund = await this.call(
      (stripe) =>
        stripe.refunds.create(
          {
            payment_intent: input.paymentIntentId,
            ...(input.amount ? { amount: input.amount.amount } : {}),
            ...(input.metadata ? { metadata: input.metadata } : {}),
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      'refund',
    );
    if (input.amount && refund.currency.toUpperCase() !== input.amount.currency) {
      // Stripe refunds in the charge's currency whatever we meant; a mismatch
      // is a programming error upstream, reported rather than hidden.
      throw new InvalidRefundAmountError(
        `refund currency ${refund.currency.toUpperCase()} differs from ${input.amount.currency}`,
      );
    }
    return toRefundRef(refund);
  }

  async refundsOf(paymentIntentId: string): Promise<ProviderRefund[]> {
    const refunds: ProviderRefund[] = [];
    let startingAfter: string | undefined;
    // A page at a time: a payment has few refunds, so one page is the rule.
    for (;;) {
      const page = await this.call((stripe) =>
        stripe.refunds.list({
          payment_intent: paymentIntentId,
          limit: 100,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        }),
      );
      for (const refund of page.data) {
        refunds.push({ ...toRefundRef(refund), metadata: { ...refund.metadata } });
      }
      startingAfter = page.data.at(-1)?.id;
      if (!page.has_more || startingAfter === undefined) return refunds;
    }
  }

  async refundedAmount(chargeId: string): Promise<Money> {
    const charge = await this.call((stripe) => stripe.charges.retrieve(chargeId));
    return Money.of(charge.amount_refunded, charge.currency.toUpperCase());
  }

  async undeliveredEvents(query: UndeliveredEventsQuery): Promise<UndeliveredEventsPage> {
    const page = await this.call((stripe) =>
      stripe.events.list({
        delivery_success: false,
        created: { gte: Math.floor(query.since.getTime() / 1000) },
        types: [...query.types],
        limit: 100,
        ...(query.startingAfter ? { starting_after: query.startingAfter } : {}),
      }),
    );
    return { events: page.data, hasMore: page.has_more };
  }

  /** Runs one SDK call and turns Stripe's errors into the domain's payment errors. */
  private async call<T>(
    request: (stripe: Stripe) => Promise<T>,
    kind: StripeRequestKind = 'payment',
  ): Promise<T> {
    let sdk: typeof Stripe;
    let stripe: Stripe;
    try {
      [sdk, stripe] = await Promise.all([loadStripeSdk(), this.client.get()]);
    } catch (error) {
      // The SDK could not be loaded: no call can reach the provider.
      throw new PaymentProviderError(
        'The payment provider client could not be loaded',
        'provider_error',
        error,
      );
    }
    try {
      return await request(stripe);
    } catch (error) {
      throw translateStripeError(error, sdk, kind);
    }
  }
}

function toRef(intent: Stripe.PaymentIntent): PaymentIntentRef {
  return {
    id: intent.id,
    clientSecret: intent.client_secret ?? '',
    status: intent.status as PaymentIntentRef['status'],
    amount: Money.of(intent.amount, intent.currency.toUpperCase()),
  };
}

function toRefundRef(refund: Stripe.Refund): RefundRef {
  return {
    id: refund.id,
    status: (refund.status ?? 'pending') as RefundRef['status'],
    amount: Money.of(refund.amount, refund.currency.toUpperCase()),
  };
}

/** What a call asked Stripe for: some of its error codes mean one thing for a refund, another elsewhere. */
export type StripeRequestKind = 'payment' | 'refund';

/**
 * `sdk`: the loaded SDK, whose error classes the error is matched against;
 * `kind`: what the call asked for.
 */
export function translateStripeError(
  error: unknown,
  sdk: typeof Stripe,
  kind: StripeRequestKind = 'payment',
): Error {
  const E = sdk.errors;
  if (!(error instanceof E.StripeError)) return error as Error;
  const message = error.message;
  if (error instanceof E.StripeCardError) {
    return new PaymentDeclinedError(message, error.decline_code ?? error.code);
  }
  if (error instanceof E.StripeIdempotencyError) {
    return new PaymentStateConflictError(message, error.code ?? 'idempotency_error');
  }
  if (error instanceof E.StripeInvalidRequestError) {
    if (error.code === 'resource_missing') return new PaymentNotFoundError(message);
    if (error.code === 'amount_too_large') {
      // On a refund: the charge has less left than asked for (part of it was
      // refunded in the dashboard), a state whole-refund.ts acts on. On a
      // payment: more than Stripe takes (8 digits of minor units), which no
      // retry and no later state can make payable.
      return kind === 'refund'
        ? new PaymentStateConflictError(message, error.code)
        : new PaymentAmountTooLargeError(
            `The payment provider does not take an amount this large: ${message}`,
          );
    }
    if (error.code === 'amount_too_small') {
      // On a refund: an amount under one minor unit, which refundAmount()
      // refuses before Stripe is asked. On a payment: under Stripe's minimum
      // charge, which depends on the account's settlement currency.
      return kind === 'refund'
        ? new InvalidRefundAmountError(message)
        : new PaymentAmountTooSmallError(
            `The payment provider does not take an amount this small: ${message}`,
          );
    }
    if (error.code !== undefined && STATE_CODES.has(error.code)) {
      return new PaymentStateConflictError(message, error.code);
    }
    // Parameters we built ourselves were refused: our bug, but the
    // request cannot succeed by retrying either.
    return new PaymentProviderError('The payment provider rejected the request', 'rejected', error);
  }
  if (error instanceof E.StripeAuthenticationError || error instanceof E.StripePermissionError) {
    return new PaymentProviderError(
      'The payment provider refused our credentials',
      'authentication',
      error,
    );
  }
  if (error instanceof E.StripeRateLimitError) {
    return new PaymentProviderError('The payment provider is rate limiting', 'rate_limited', error);
  }
  if (error instanceof E.StripeConnectionError) {
    return new PaymentProviderError('The payment provider is unreachable', 'unreachable', error);
  }
  if (error.statusCode !== undefined && error.statusCode >= 500) {
    // Stripe got the request and failed at it: whatever it did is kept under
    // the request's idempotency key with this answer, replayed to retries.
    return new PaymentProviderError(
      `The payment provider failed (HTTP ${error.statusCode})`,
      'server_error',
      error,
    );
  }
  return new PaymentProviderError('The payment provider failed', 'provider_error', error);
}
