import { DependencyUnavailableError, passwordCandidates } from '@minishop/domain';

/**
 * Too many hashes and verifies are already waiting for the CPU: the request
 * is refused at once (503 with Retry-After) rather than queued behind them
 * until its deadline.
 */
export class PasswordHashingBusyError extends DependencyUnavailableError {
  readonly code = 'AUTH.PASSWORD_HASHING_BUSY';

  constructor(override readonly retryAfterSeconds: number) {
    super(`Too many passwords are being checked right now; try again in ${retryAfterSeconds} s`);
  }
}

/**
 * Port: one-way password hashing. Implementations must not block the event
 * loop; `hash`, `verify` and `verifyAgainstDummy` may refuse with
 * PasswordHashingBusyError when too much hashing is already waiting.
 */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;
  /** False for a wrong password and for a hash it cannot read; never throws on bad input. */
  abstract verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spends as long as a real `verify` and always fails: used when the e-mail
   * is unknown, so the reply time does not tell which accounts exist.
   */
  abstract verifyAgainstDummy(password: string): Promise<false>;
  /** True when `hash` was made with weaker parameters than the current ones. */
  abstract needsRehash(hash: string): boolean;
}

/**
 * The form of a typed password that verifies against `hash` (see
 * passwordCandidates: normalised first, then as typed), tried in order;
 * undefined when none does.
 */
export async function matchingPassword(
  hasher: PasswordHasher,
  hash: string,
  password: string,
): Promise<string | undefined> {
  for (const candidate of passwordCandidates(password)) {
    if (await hasher.verify(hash, candidate)) return candidate;
  }
  return undefined;
}
