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
