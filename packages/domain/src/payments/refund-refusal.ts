import {
  InvalidRefundAmountError,
  PaymentAmountTooLargeError,
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderError,
  PaymentStateConflictError,
} from './payment.errors.js';

/**
 * The reason the provider gives when it refuses a refund for good, or null
 * when the error is no such refusal: the provider could not be reached, was
 * failing, rate limiting or refusing our credentials, or is still working
 * on a refund under the same key (`idempotency_key_in_use`). Those may
 * succeed when asked again; a refusal (a disputed charge, a payment it does
 * not know, an amount over its maximum, parameters it rejects) would only be
 * refused again.
 */
export function refundRefusalReason(error: unknown): string | null {
  if (error instanceof PaymentStateConflictError) {
    return error.providerCode === 'idempotency_key_in_use'
      ? null
      : (error.providerCode ?? error.code);
  }
  if (error instanceof PaymentDeclinedError) return error.declineCode ?? error.code;
  if (
    error instanceof PaymentNotFoundError ||
    error instanceof InvalidRefundAmountError ||
    error instanceof PaymentAmountTooLargeError
  ) {
    return error.code;
  }
  if (error instanceof PaymentProviderError && error.reason === 'rejected') {
    return 'request_rejected';
  }
  return null;
}
