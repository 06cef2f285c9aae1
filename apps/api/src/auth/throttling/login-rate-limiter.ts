/** One login attempt, as the rate limits see it. */
export interface LoginAttempt {
  ip: string;
  /** Normalised; undefined when the body has none (validation will answer). */
  email: string | undefined;
}

/** Port: counts login attempts per client IP and per e-mail address. */
export abstract class LoginRateLimiter {
  /** Counts the attempt; returns null when allowed, else how long the caller must wait. */
  abstract consume(attempt: LoginAttempt): Promise<{ retryAfterSeconds: number } | null>;
}
