import { createSecretKey, type KeyObject } from 'node:crypto';

/**
 * The HS256 signing secret as a KeyObject, made once. Given a string,
 * jsonwebtoken first tries to read it as a PEM key on every sign and verify,
 * which throws (and captures a stack) before it falls back to a secret key:
 * a few percent of the CPU of every authenticated request.
 */
export function accessTokenKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}
