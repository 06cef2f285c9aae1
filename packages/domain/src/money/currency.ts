const CODE = /^[A-Z]{3}$/;

// ICU names every ISO 4217 currency, withdrawn ones included, and with no
// fallback gives no name for a code that is none.
const names = new Intl.DisplayNames('en', { type: 'currency', fallback: 'none' });

/**
 * Whether `code` is an ISO 4217 currency, current or withdrawn: Stripe still
 * charges in a few withdrawn codes (STD). Three capitals, all `Money.of`
 * asks, is also true of codes no payment can be made in, which money from
 * outside (a provider's event) must not be booked in.
 */
export function isKnownCurrency(code: string): boolean {
  return CODE.test(code) && names.of(code) !== undefined;
}
