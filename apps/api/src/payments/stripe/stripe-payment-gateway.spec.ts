import { describe, expect, test } from '@jest/globals';
import {
  PaymentAmountTooLargeError,
  PaymentProviderError,
  PaymentStateConflictError,
  refundRefusalReason,
} from '@minishop/domain';
import Stripe from 'stripe';

import { translateStripeError } from './stripe-payment-gateway.js';

const invalidRequest = (code: string) =>
  new Stripe.errors.StripeInvalidRequestError({
    type: 'invalid_request_error',
    code,
    message: `refused: ${code}`,
  });

describe('translateStripeError', () => {
  // Stripe answers a refund of a charged-back payment with `charge_disputed`
  // (or `refund_disputed_payment`): the charge's state, not our request and
  // not an outage. Read as an outage it would make an admin's refund a 503
  // and name the refusal of a late payment's refund `request_rejected`.
  test.each(['charge_disputed', 'refund_disputed_payment'])(
    '%s is a state conflict naming the code',
    (code) => {
      const error = translateStripeError(invalidRequest(code), Stripe);
      expect(error).toBeInstanceOf(PaymentStateConflictError);
      expect((error as PaymentStateConflictError).providerCode).toBe(code);
      expect(refundRefusalReason(error)).toBe(code);
    },
  );

  // Stripe says `amount_too_large` of a payment over its 8 digits of minor
  // units: read as a state conflict it was a 409 a retry could never fix.
  test('amount_too_large of a payment is an amount too large (422), not a state conflict', () => {
    const error = translateStripeError(invalidRequest('amount_too_large'), Stripe);
    expect(error).toBeInstanceOf(PaymentAmountTooLargeError);
    expect((error as PaymentAmountTooLargeError).code).toBe('PAYMENT.AMOUNT_TOO_LARGE');
  });

  // Of a refund it means the charge has less left than asked for (refunded
  // in part outside the shop): the charge's state, which whole-refund.ts
  // answers by refunding the rest.
  test('amount_too_large of a refund stays a state conflict naming the code', () => {
    const error = translateStripeError(invalidRequest('amount_too_large'), Stripe, 'refund');
    expect(error).toBeInstanceOf(PaymentStateConflictError);
    expect((error as PaymentStateConflictError).providerCode).toBe('amount_too_large');
  });

  test('parameters Stripe rejects for another reason stay a rejected request', () => {
    const error = translateStripeError(invalidRequest('parameter_invalid_integer'), Stripe);
    expect(error).toBeInstanceOf(PaymentProviderError);
    expect((error as PaymentProviderError).reason).toBe('rejected');
  });

  // Stripe keeps a 500 under the request's idempotency key and replays it to
  // every retry: the settlement job then looks for the refund by another
  // route, which it must not do for a provider it never reached.
  test('a 5xx from Stripe is a server error, not refused, apart from an unreachable provider', () => {
    const failed = translateStripeError(
      new Stripe.errors.StripeAPIError({
        type: 'api_error',
        message: 'An unknown error occurred',
        statusCode: 500,
      }),
      Stripe,
      'refund',
    );
    expect(failed).toBeInstanceOf(PaymentProviderError);
    expect((failed as PaymentProviderError).reason).toBe('server_error');
    expect(refundRefusalReason(failed)).toBeNull();

    const unreachable = translateStripeError(
      new Stripe.errors.StripeConnectionError({ message: 'connect ECONNREFUSED' }),
      Stripe,
      'refund',
    );
    expect((unreachable as PaymentProviderError).reason).toBe('unreachable');
  });
});
