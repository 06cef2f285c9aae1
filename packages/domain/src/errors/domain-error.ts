/**
 * Base of every business rule violation. `code` is stable and machine-readable;
 * the interface layer maps it to an HTTP status in exactly one place.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Which request fields the error concerns, when it can say. */
  readonly fields: readonly { field: string; message: string }[];
  /**
   * Seconds after which the same request may well succeed, for an error
   * that passes with time; the interface layer sends it as Retry-After.
   */
  readonly retryAfterSeconds?: number;

  constructor(message: string, fields: readonly { field: string; message: string }[] = []) {
    super(message);
    this.name = new.target.name;
    this.fields = fields;
  }
}

/** The thing asked for does not exist, or is not the caller's to see. */
export abstract class NotFoundError extends DomainError {}

/** The request conflicts with the current state (a duplicate, a race lost, an illegal transition). */
export abstract class ConflictError extends DomainError {}

/** The request is well-formed but breaks a business rule. */
export abstract class RuleViolationError extends DomainError {}

/** The input itself is invalid (a value out of its domain). */
export abstract class InvalidInputError extends DomainError {}

/** The caller is not who it claims, or its credentials no longer hold. */
export abstract class UnauthenticatedError extends DomainError {}

/** The caller is known but may not do this. */
export abstract class ForbiddenError extends DomainError {}

/**
 * A service the request depends on (the payment provider) cannot answer now;
 * the same request may succeed later, so it is neither the caller's fault nor a bug.
 */
export abstract class DependencyUnavailableError extends DomainError {}
