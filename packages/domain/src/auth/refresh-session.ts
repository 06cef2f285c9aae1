/**
 * How long a refresh token lives: `ttlSeconds` from its issue, but never past
 * the end of its session (the sign-in that started its family), so rotating
 * keeps a session alive only up to its absolute limit. Without that limit a
 * token stolen once could be rotated for ever.
 */
export interface RefreshSessionPolicy {
  ttlSeconds: number;
  maxAgeSeconds: number;
}

export interface RefreshSessionLimits {
  /** When the token stops working. */
  expiresAt: Date;
  /** When its session ends, whatever is rotated before. */
  sessionEndsAt: Date;
}

/** A sign-in's first token. */
export function newSessionLimits(policy: RefreshSessionPolicy, now: Date): RefreshSessionLimits {
  return rotatedSessionLimits(policy, now, new Date(now.getTime() + policy.maxAgeSeconds * 1000));
}

/**
 * A rotation's token. A session started before sessions had an end has
 * none recorded (`null`): its limit starts counting now.
 */
export function rotatedSessionLimits(
  policy: RefreshSessionPolicy,
  now: Date,
  sessionEndsAt: Date | null,
): RefreshSessionLimits {
  const end = sessionEndsAt ?? new Date(now.getTime() + policy.maxAgeSeconds * 1000);
  const ttlEnd = now.getTime() + policy.ttlSeconds * 1000;
  return { expiresAt: new Date(Math.min(ttlEnd, end.getTime())), sessionEndsAt: end };
}
