import { describe, expect, test } from '@jest/globals';

import {
  InvalidRefundAmountError,
  PaymentAmountTooLargeError,
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentStateConflictError,
} from './payment.errors.js';
import { refundRefusalReason } from './refund-refusal.js';

describe('refundRefusalReason', () => {
  describe('a refusal for good', () => {
    test('a state conflict names the provider code', () => {
      const error = new PaymentStateConflictError('disputed', 'charge_disputed');
      expect(refundRefusalReason(error)).toBe('charge_disputed');
    });
    test('a state conflict without a provider code names ours', () => {
      expect(refundRefusalReason(new PaymentStateConflictError('no'))).toBe(
        'PAYMENT.STATE_CONFLICT',
      );
    });
    test('a decline, an unknown payment, a wrong amount, rejected parameters', () => {
      expect(refundRefusalReason(new PaymentDeclinedError('no', 'expired_card'))).toBe(
        'expired_card',
      );
      expect(refundRefusalReason(new PaymentNotFoundError('gone'))).toBe('PAYMENT.NOT_FOUND');
      expect(refundRefusalReason(new InvalidRefundAmountError('usd'))).toBe(
        'PAYMENT.INVALID_REFUND_AMOUNT',
      );
      expect(refundRefusalReason(new PaymentProviderError('bad', 'rejected'))).toBe(
        'request_rejected',
      );
    });
    test('an amount over what the provider takes in one payment', () => {
      expect(refundRefusalReason(new PaymentAmountTooLargeError('8 digits at most'))).toBe(
        'PAYMENT.AMOUNT_TOO_LARGE',
      );
    });
  });

  describe('worth asking again', () => {
    test.each([
      'unreachable',
      'server_error',
      'provider_error',
      'rate_limited',
      'authentication',
    ] as const)('the provider %s', (reason) => {
      expect(refundRefusalReason(new PaymentProviderError('down', reason))).toBeNull();
    });
    test('the same refund still in flight at the provider', () => {
      const error = new PaymentStateConflictError('busy', 'idempotency_key_in_use');
      expect(refundRefusalReason(error)).toBeNull();
    });
    test('anything that is not a payment error', () => {
      expect(refundRefusalReason(new Error('boom'))).toBeNull();
    });
  });
});
