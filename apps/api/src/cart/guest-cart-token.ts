import { createHash, randomBytes } from 'node:crypto';

// 32 random bytes in base64url, no padding: always 43 characters.
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new guest cart secret; shown to the client once, never stored. */
export function newCartToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What the database keeps of a guest cart token. A malformed token has no
 * hash (null) and is treated exactly like an unknown one, so its shape
 * reveals nothing. A fast hash is enough: the token has 256 bits of entropy,
 * nothing to brute-force.
 */
export function cartTokenHash(token: string | undefined): string | null {
  if (token === undefined || !TOKEN_FORMAT.test(token)) return null;
  return createHash('sha256').update(token).digest('hex');
}
