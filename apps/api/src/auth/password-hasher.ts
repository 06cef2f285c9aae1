import { passwordCandidates } from '@minishop/domain';

/** Port: one-way password hashing. Implementations must not block the event loop. */
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
