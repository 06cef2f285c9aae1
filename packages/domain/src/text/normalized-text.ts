import { codePointLength } from './code-points.js';

/**
 * The one order for every field that is trimmed or normalised before it is
 * stored, whichever way it comes in (a JSON body through the contracts'
 * `NormalizedText`, a line of a catalog import file):
 *
 * 1. the limit is checked on the value as sent, as the document's
 *    `maxLength` describes it, so surrounding spaces count and a value the
 *    document refuses is refused;
 * 2. only a value within it is normalised;
 * 3. the normalised value, the one that is stored, is held to the same
 *    limit, since NFKC or case mapping can lengthen a string ("ﬀ" becomes
 *    "ff", "İ" two code points).
 *
 * This function does steps 1 and 2: a value over the limit comes back as
 * sent, so the caller's single length check of the result (step 3) refuses
 * both a value too long as sent and one whose stored form is too long.
 */
export function normalizeWithin(
  value: string,
  max: number,
  normalize: (value: string) => string,
): string {
  return codePointLength(value) <= max ? normalize(value) : value;
}

/** For {@link normalizeWithin}: surrounding white space is dropped. */
export const trimmed = (value: string): string => value.trim();

/**
 * For {@link normalizeWithin}: a code such as an ISO 3166-1 country ("de")
 * in the upper case the standard writes it in ("DE"). ASCII letters only:
 * full case mapping would turn "ß" into "SS", a code of its own.
 */
export const asciiUpperCased = (value: string): string =>
  value.replace(/[a-z]/g, (letter) => letter.toUpperCase());
