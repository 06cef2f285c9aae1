/**
 * Stripe's minimum charge per settlement currency, in minor units as its API
 * counts them (HUF with two decimals, JPY with none). A charge in another
 * currency must come to that minimum once converted, which only Stripe can
 * work out: the emulator plays an account that settles in the charge's own
 * currency, and holds other currencies to no minimum but one minor unit.
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
  usd: 50,
};

/** The least a PaymentIntent in `currency` (any case) may be for. */
export function minimumCharge(currency: string): number {
  return MINIMUM_CHARGE[currency.toLowerCase()] ?? 1;
}
