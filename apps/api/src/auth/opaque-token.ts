import { createHash, randomBytes } from 'node:crypto';

/**
 * A bearer secret the API hands out (refresh token, password reset token):
 * 32 random bytes, so unguessable that a fast hash is enough to store it.
 */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of an opaque token: a leaked table does not hand out sessions or resets. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
