import { codePointLength } from '../text/code-points.js';
import { WeakPasswordError } from './auth.errors.js';

export const PASSWORD_MIN_LENGTH = 8;
/** Long enough for any passphrase, short enough that hashing stays cheap for us. */
export const PASSWORD_MAX_LENGTH = 128;

/**
 * The most used passwords of 8+ characters in public breach corpora. A short
 * list on purpose: it stops the guesses an online attacker tries first,
 * without shipping a breach database. Compared case-insensitively.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '12345678',
  '123456789',
  '1234567890',
  '12345678910',
  '123123123',
  '11111111',
  '00000000',
  '88888888',
  '87654321',
  '987654321',
  '0987654321',
  '1q2w3e4r',
  '1q2w3e4r5t',
  '1qaz2wsx',
  'qwertyuiop',
  'qwerty123',
  'qwerty1234',
  'qwertyui',
  'asdfghjkl',
  'zxcvbnm1',
  'password',
  'password1',
  'password12',
  'password123',
  'password!',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'iloveyou',
  'iloveyou1',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'superman',
  'starwars',
  'whatever',
  'trustno1',
  'welcome1',
  'welcome123',
  'letmein1',
  'letmein123',
  'changeme',
  'abcd1234',
  'abc12345',
  'abcdefgh',
  'aa123456',
  'admin123',
  'administrator',
  'michael1',
  'jennifer',
  'computer',
  'internet',
  'mercedes',
  'dragon123',
  'monkey123',
  'shadow123',
  'master123',
  'qazwsxedc',
  'zaq12wsx',
  'football1',
  'baseball1',
  'minishop',
  'minishop1',
  'minishop123',
]);

/**
 * The form of a password that is hashed and verified: Unicode NFKC, as
 * e-mail addresses are (NIST SP 800-63B asks for NFKC or NFKD). Keyboards
 * and input methods differ in what they send for the same keys: "é"
 * precomposed or as e + combining accent, full-width digits from an East
 * Asian IME. Without it a password set on one device fails on another.
 * Nothing else changes: no trimming, no case folding.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * The forms of a typed password to verify against a stored hash, in order:
 * the normalised one, then, when it differs, the password as typed, for
 * accounts whose hash was made before passwords were normalised. Such an
 * account should be re-hashed from the normalised form once it matches.
 */
export function passwordCandidates(password: string): readonly string[] {
  const normalised = normalizePassword(password);
  return normalised === password ? [normalised] : [normalised, password];
}

/**
 * Throws WeakPasswordError when `password` (as sent) may not be used for an
 * account. Lengths are code points, as JSON Schema counts the OpenAPI
 * document's minLength/maxLength, and both the password as sent and its
 * normalised form must be within them: the document's bounds hold for the
 * request, and the password that is hashed holds to the same rule (NFKC can
 * shorten "e" + accent to "é", or lengthen a ligature).
 */
export function assertAcceptablePassword(password: string, field = 'password'): void {
  const normalised = normalizePassword(password);
  const lengths = [codePointLength(password), codePointLength(normalised)];
  if (Math.min(...lengths) < PASSWORD_MIN_LENGTH) {
    throw new WeakPasswordError(
      `${field} must be at least ${PASSWORD_MIN_LENGTH} characters`,
      field,
    );
  }
  if (Math.max(...lengths) > PASSWORD_MAX_LENGTH) {
    throw new WeakPasswordError(
      `${field} must be at most ${PASSWORD_MAX_LENGTH} characters`,
      field,
    );
  }
  // In the form that is hashed: full-width "ｐａｓｓｗｏｒｄ１２３" is as common as the ASCII one.
  if (COMMON_PASSWORDS.has(normalised.toLowerCase())) {
    throw new WeakPasswordError(`${field} is too common; choose another`, field);
  }
}

/**
 * The one spelling of an e-mail address that is stored and compared:
 * surrounding spaces removed, Unicode NFKC, lower case. Accounts are unique
 * by it. Without NFKC, "é" typed precomposed or as e + combining accent, or
 * full-width look-alikes of ASCII letters, made distinct accounts for what a
 * person reads as one address. NFKC before lower-casing, since it can yield
 * capitals (U+210C → "H").
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}
