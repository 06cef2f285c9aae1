/** One login attempt, as the rate limits see it. */
export interface LoginAttempt {
  ip: string;
  /** Normalised; undefined when the body has none (validation will answer). */
  email: string | undefined;
}

/**
 * Port: counts login attempts per client IP and per account, and
 * registrations per client IP. An account's
 * own limit counts the attempts from addresses that never signed in to it;
 * one that did is counted on its own, so a stranger's attempts cannot keep
 * the owner out from where they usually sign in.
 */
export abstract class LoginRateLimiter {
  /** Counts the attempt; returns null when allowed, else how long the caller must wait. */
  abstract consume(attempt: LoginAttempt): Promise<{ retryAfterSeconds: number } | null>;

  /**
   * Counts one registration from the address, on a budget of its own: null
   * when allowed, else how long the caller must wait.
   */
  abstract consumeRegistration(ip: string): Promise<{ retryAfterSeconds: number } | null>;

  /** Remembers that the attempt's address signed in to its account. */
  abstract signedIn(attempt: LoginAttempt & { email: string }): Promise<void>;

  /**
   * Forgets every address that signed in to the account, and gives it back
   * its allowance of new ones: after a password change, a reset or a
   * disable, whoever held the old password is a stranger again wherever
   * they signed in from. Never throws.
   */
  abstract forgetAddresses(email: string): Promise<void>;
}
