import { minorUnitDigits } from './minor-unit.js';
import { CurrencyMismatchError, InvalidAmountError } from './money.errors.js';

/** ISO 4217 alphabetic code, upper case. */
export type CurrencyCode = string;

const CURRENCY = /^[A-Z]{3}$/;

/**
 * An amount in integer minor units (cents) of one currency. Immutable; every
 * operation returns a new value. Floats never enter: an operation that would
 * produce a fraction of a minor unit is a programming error and throws.
 */
export class Money {
  private constructor(
    readonly amount: number,
    readonly currency: CurrencyCode,
  ) {}

  static of(amount: number, currency: CurrencyCode): Money {
    if (!Number.isSafeInteger(amount)) {
      throw new InvalidAmountError(
        `amount must be an integer number of minor units, got ${amount}`,
      );
    }
    if (!CURRENCY.test(currency)) {
      throw new InvalidAmountError(`currency must be an ISO 4217 code, got "${currency}"`);
    }
    return new Money(amount, currency);
  }

  static zero(currency: CurrencyCode): Money {
    return Money.of(0, currency);
  }

  /** Sum of a list; an empty list is zero in the given currency. */
  static sum(items: readonly Money[], currency: CurrencyCode): Money {
    return items.reduce((total, m) => total.add(m), Money.zero(currency));
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.amount + other.amount, this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.amount - other.amount, this.currency);
  }

  multiply(factor: number): Money {
    if (!Number.isSafeInteger(factor)) {
      throw new InvalidAmountError(`factor must be an integer, got ${factor}`);
    }
    return Money.of(this.amount * factor, this.currency);
  }

  /**
   * Splits the amount by integer ratios without losing a cent: the remainder
   * left by flooring goes one unit at a time to the first shares, so the parts
   * always sum to the whole (e.g. 100 by [1,1,1] -> 34, 33, 33).
   */
  allocate(ratios: readonly number[]): Money[] {
    if (ratios.length === 0 || ratios.some((r) => !Number.isSafeInteger(r) || r < 0)) {
      throw new InvalidAmountError('ratios must be non-negative integers');
    }
    const total = ratios.reduce((a, b) => a + b, 0);
    if (total === 0) throw new InvalidAmountError('ratios must not all be zero');
    const sign = this.amount < 0 ? -1 : 1;
    const abs = Math.abs(this.amount);
    const shares = ratios.map((r) => Math.floor((abs * r) / total));
    let remainder = abs - shares.reduce((a, b) => a + b, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % shares.length) {
      if (ratios[i] === 0) continue;
      shares[i] = (shares[i] ?? 0) + 1;
      remainder -= 1;
    }
    return shares.map((s) => Money.of(sign * s, this.currency));
  }

  isZero(): boolean {
    return this.amount === 0;
  }

  isNegative(): boolean {
    return this.amount < 0;
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount === other.amount;
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.amount === other.amount ? 0 : this.amount < other.amount ? -1 : 1;
  }

  greaterThan(other: Money): boolean {
    return this.compare(other) === 1;
  }

  lessThan(other: Money): boolean {
    return this.compare(other) === -1;
  }

  /**
   * The amount for people to read, in the minor unit amounts are kept in
   * (the payment provider's, minor-unit.ts): `12.99 EUR`, but `1299 JPY`
   * (no minor unit) and `1.299 KWD` (thousandths). Dividing by 100
   * everywhere misstated yen by a factor of a hundred.
   */
  format(): string {
    const digits = minorUnitDigits(this.currency);
    const sign = this.amount < 0 ? '-' : '';
    const units = String(Math.abs(this.amount)).padStart(digits + 1, '0');
    const whole = units.slice(0, units.length - digits);
    const fraction = digits > 0 ? `.${units.slice(units.length - digits)}` : '';
    return `${sign}${whole}${fraction} ${this.currency}`;
  }

  toJSON(): { amount: number; currency: CurrencyCode } {
    return { amount: this.amount, currency: this.currency };
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new CurrencyMismatchError(`cannot combine ${this.currency} with ${other.currency}`);
    }
  }
}
