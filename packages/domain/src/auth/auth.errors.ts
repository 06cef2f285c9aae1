import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  UnauthenticatedError,
} from '../errors/domain-error.js';

/** Same error, same message for an unknown e-mail and a wrong password. */
export class InvalidCredentialsError extends UnauthenticatedError {
  readonly code = 'AUTH.INVALID_CREDENTIALS';
  constructor() {
    super('Invalid e-mail or password');
  }
}

export class InvalidTokenError extends UnauthenticatedError {
  readonly code = 'AUTH.INVALID_TOKEN';
  constructor(message = 'The token is invalid or has expired') {
    super(message);
  }
}

export class AccountDisabledError extends UnauthenticatedError {
  readonly code = 'AUTH.ACCOUNT_DISABLED';
  constructor() {
    super('This account is disabled');
  }
}

export class EmailTakenError extends ConflictError {
  readonly code = 'AUTH.EMAIL_TAKEN';
  constructor() {
    super('An account with this e-mail already exists', [
      { field: 'email', message: 'email is already registered' },
    ]);
  }
}

export class WeakPasswordError extends InvalidInputError {
  readonly code = 'AUTH.WEAK_PASSWORD';
  constructor(reason: string) {
    super(reason, [{ field: 'password', message: reason }]);
  }
}

export class MissingScopeError extends ForbiddenError {
  readonly code = 'AUTH.MISSING_SCOPE';
  constructor(missing: readonly string[]) {
    super(`This action needs the scope ${missing.join(' ')}`);
  }
}
