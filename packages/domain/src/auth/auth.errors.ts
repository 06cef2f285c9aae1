import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
  UnauthenticatedError,
} from '../errors/domain-error.js';
import { echoableId } from '../ids/echoed-id.js';

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
  constructor(reason: string, field = 'password') {
    super(reason, [{ field, message: reason }]);
  }
}

/** A 400, not a 401: the caller's token is fine, a field of the body is not. */
export class WrongCurrentPasswordError extends InvalidInputError {
  readonly code = 'AUTH.WRONG_CURRENT_PASSWORD';
  constructor() {
    super('The current password is wrong', [
      { field: 'currentPassword', message: 'currentPassword is not the password of this account' },
    ]);
  }
}

export class UnchangedPasswordError extends InvalidInputError {
  readonly code = 'AUTH.PASSWORD_UNCHANGED';
  constructor() {
    super('The new password is the current one', [
      { field: 'newPassword', message: 'newPassword must differ from the current password' },
    ]);
  }
}

/** One reply for a token never issued, already used, superseded or expired. */
export class InvalidResetTokenError extends InvalidInputError {
  readonly code = 'AUTH.INVALID_RESET_TOKEN';
  constructor() {
    super('The password reset token is invalid, used or expired', [
      { field: 'token', message: 'token is invalid, used or expired; ask for a new one' },
    ]);
  }
}

export class MissingScopeError extends ForbiddenError {
  readonly code = 'AUTH.MISSING_SCOPE';
  constructor(missing: readonly string[]) {
    super(`This action needs the scope ${missing.join(' ')}`);
  }
}

export class UserNotFoundError extends NotFoundError {
  readonly code = 'AUTH.USER_NOT_FOUND';
  constructor(id: string) {
    super(
      echoableId(id) ? `No account has the id ${id}` : 'No account has that id (an id is a UUID)',
    );
  }
}

/** An admin cannot lock themselves out (nor the shop out of its last admin that way). */
export class SelfDisableError extends RuleViolationError {
  readonly code = 'AUTH.SELF_DISABLE';
  constructor() {
    super('An account cannot disable itself', [
      { field: 'disabled', message: 'disabled cannot be set on your own account' },
    ]);
  }
}
