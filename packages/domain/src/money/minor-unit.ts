/**
 * Amounts are kept in the minor unit the payment provider (Stripe) counts
 * in, which is not always ISO 4217's or ICU's: Stripe counts ISK, HUF and
 * TWD in hundredths (ICU displays them without decimals), and UGX in whole
 * units. These are Stripe's zero- and three-decimal currencies; every other
 * one is counted in hundredths.
 */
const ZERO_DECIMAL = new Set(
  'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' '),
);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** How many decimal digits one unit of `currency` has in a stored amount. */
export function minorUnitDigits(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}
