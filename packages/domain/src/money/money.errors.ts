import { InvalidInputError, RuleViolationError } from '../errors/domain-error.js';

export class InvalidAmountError extends InvalidInputError {
  readonly code = 'MONEY.INVALID_AMOUNT';
}

export class CurrencyMismatchError extends RuleViolationError {
  readonly code = 'MONEY.CURRENCY_MISMATCH';
}
