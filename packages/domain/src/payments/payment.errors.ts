import {
  ConflictError,
  DependencyUnavailableError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../errors/domain-error.js';

/** The card (or other method) was declined; the customer may retry with another one. */
export class PaymentDeclinedError extends RuleViolationError {
  readonly code = 'PAYMENT.DECLINED';

  constructor(
    message: string,
    /** The provider's reason, e.g. `insufficient_funds`, when it gives one. */
    readonly declineCode?: string,
  ) {
    super(message);
  }
}

/** The provider knows no such payment (wrong id, or another account's). */
export class PaymentNotFoundError extends NotFoundError {
  readonly code = 'PAYMENT.NOT_FOUND';
}

/**
 * The payment is not in a state that allows this: cancelling a succeeded
 * intent, refunding more than was captured, reusing an idempotency key with
 * other parameters.
 */
export class PaymentStateConflictError extends ConflictError {
  readonly code = 'PAYMENT.STATE_CONFLICT';

  constructor(
    message: string,
    /** The provider's error code, e.g. `payment_intent_unexpected_state`. */
    readonly providerCode?: string,
  ) {
    super(message);
  }
}

/**
 * The provider will not take a payment of this amount (Stripe: more than 8
 * digits of minor units). Asking again cannot succeed; only a smaller
 * amount can. Not a state conflict: nothing about the payment will change.
 */
export class PaymentAmountTooLargeError extends RuleViolationError {
  readonly code = 'PAYMENT.AMOUNT_TOO_LARGE';
}

/**
 * The provider will not take a payment this small (Stripe's minimum charge,
 * which depends on the account's settlement currency). Like a payment too
 * large, no retry can make it payable; only a larger amount can.
 */
export class PaymentAmountTooSmallError extends RuleViolationError {
  readonly code = 'PAYMENT.AMOUNT_TOO_SMALL';
}

/** A refund amount that cannot be right whatever the payment's state (zero, negative, other currency). */
export class InvalidRefundAmountError extends RuleViolationError {
  readonly code = 'PAYMENT.INVALID_REFUND_AMOUNT';
}

/**
 * The payment provider could not be used: unreachable, timing out, failing,
 * rate limiting, or refusing our credentials. Retrying later may succeed;
 * the detail for the client stays generic, the cause is logged.
 */
export class PaymentProviderError extends DependencyUnavailableError {
  readonly code = 'PAYMENT.PROVIDER_UNAVAILABLE';

  constructor(
    message: string,
    /**
     * `server_error`: the provider answered with a 5xx. Unlike an unreachable
     * provider it got the request, and Stripe keeps that answer under the
     * request's idempotency key, replaying it to every retry for 24 hours.
     */
    readonly reason:
      | 'unreachable'
      | 'server_error'
      | 'provider_error'
      | 'rate_limited'
      | 'authentication'
      | 'rejected',
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * Another delivery of the same provider event is being applied right now
 * and did not finish in time: the provider should deliver it again later,
 * when it is either applied (acknowledged as a duplicate) or free to apply.
 */
export class PaymentEventInProgressError extends ConflictError {
  readonly code = 'PAYMENT.EVENT_IN_PROGRESS';

  constructor(eventId: string) {
    super(`Event ${eventId} is being processed by another delivery; deliver it again later`);
  }
}

/**
 * What a provider event applies to (an order) kept changing while the event
 * was being prepared: other events or requests wrote it each time between
 * the provider's answer and the lock. Nothing was applied; delivered again
 * a little later, once the burst has passed, it is.
 */
export class PaymentEventBusyError extends ConflictError {
  readonly code = 'PAYMENT.EVENT_BUSY';
  override readonly retryAfterSeconds = 5;

  constructor(eventId: string) {
    super(
      `Event ${eventId} was not applied: what it applies to kept changing while it was prepared; deliver it again later`,
    );
  }
}

/** A webhook request whose signature is missing, wrong or too old: not from the provider. */
export class WebhookSignatureError extends InvalidInputError {
  readonly code = 'PAYMENT.WEBHOOK_SIGNATURE_INVALID';
}

/** Simulating a payment needs the local Stripe emulator; real Stripe is driven by its own test tools. */
export class PaymentSimulationUnavailableError extends RuleViolationError {
  readonly code = 'PAYMENT.SIMULATION_UNAVAILABLE';
}
