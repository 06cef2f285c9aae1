/**
 * An account's credentials version counts its password changes and resets.
 * Access tokens carry the version they were issued under (`ver`); one from
 * before the last change stops working at once, as a disabled account's do,
 * rather than living out its last minutes in the hands of whoever prompted
 * the change. Tokens issued before versions existed carry none: version 0.
 */
export function accessTokenIsCurrent(
  tokenVersion: number | undefined,
  accountVersion: number,
): boolean {
  return (tokenVersion ?? 0) === accountVersion;
}

/** When a reset token issued at `now` stops working. */
export function passwordResetExpiresAt(now: Date, ttlSeconds: number): Date {
  return new Date(now.getTime() + ttlSeconds * 1000);
}

/**
 * Whether a reset token may still set a password: never used, not expired,
 * and the account's credentials unchanged since it was issued (a password
 * change or a newer reset makes every older link useless).
 */
export function resetTokenIsUsable(
  token: { expiresAt: Date; usedAt: Date | null; credentialsVersion: number },
  accountVersion: number,
  now: Date,
): boolean {
  return (
    token.usedAt === null &&
    token.expiresAt.getTime() > now.getTime() &&
    token.credentialsVersion === accountVersion
  );
}
