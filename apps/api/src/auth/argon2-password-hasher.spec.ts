import { describe, expect, test } from '@jest/globals';
import { hash } from '@node-rs/argon2';

import {
  ARGON2_CONCURRENCY,
  ARGON2_OPTIONS,
  Argon2PasswordHasher,
  HASHING_BUSY_RETRY_AFTER_SECONDS,
  MAX_WAITING_HASHES,
} from './argon2-password-hasher.js';
import { PasswordHashingBusyError } from './password-hasher.js';

/** Argon2 stood in for by work that finishes only when the test opens the gate. */
class GatedHasher extends Argon2PasswordHasher {
  started = 0;
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  protected override async computeHash(password: string): Promise<string> {
    this.started += 1;
    await this.gate;
    return `hashed:${password}`;
  }

  protected override async computeVerify(stored: string, password: string): Promise<boolean> {
    this.started += 1;
    await this.gate;
    return stored === `hashed:${password}`;
  }
}

/** Settles what a promise does, without letting a rejection go unhandled. */
const outcome = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('Argon2PasswordHasher', () => {
  const hasher = new Argon2PasswordHasher();

  test('a hash verifies its own password and no other', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapl')).toBe(false);
  });

  test('a hash it cannot read is a failed verify, not an error', async () => {
    expect(await hasher.verify('!', 'anything at all')).toBe(false);
    expect(await hasher.verify('$argon2id$garbage', 'anything at all')).toBe(false);
  });

  test('the dummy verify always fails', async () => {
    expect(await hasher.verifyAgainstDummy('correct horse battery staple')).toBe(false);
  });

  test('asks for a rehash only when the stored parameters are weaker', async () => {
    const weak = await hash('pw-weak-params', { memoryCost: 8192, timeCost: 1, parallelism: 1 });
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('pw-current-params'))).toBe(false);
    expect(hasher.needsRehash('!')).toBe(false);
    expect(ARGON2_OPTIONS.memoryCost).toBeGreaterThanOrEqual(19_456);
  });

  describe(`at most ${MAX_WAITING_HASHES} waiting`, () => {
    test('the next hash or verify is refused at once; the ones before it complete', async () => {
      const hasher = new GatedHasher();
      const accepted = Array.from({ length: ARGON2_CONCURRENCY + MAX_WAITING_HASHES }, (_, i) =>
        outcome<string | boolean>(
          i % 2 ? hasher.hash(`pw-${i}`) : hasher.verify(`hashed:pw-${i}`, `pw-${i}`),
        ),
      );
      await new Promise((resolve) => setImmediate(resolve));
      // Only the slots' worth started: the rest wait behind the closed gate.
      expect(hasher.started).toBe(ARGON2_CONCURRENCY);

      for (const refused of [
        hasher.hash('one too many'),
        hasher.verify('hashed:one too many', 'one too many'),
      ]) {
        const error = await refused.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(PasswordHashingBusyError);
        expect(error).toMatchObject({
          code: 'AUTH.PASSWORD_HASHING_BUSY',
          retryAfterSeconds: HASHING_BUSY_RETRY_AFTER_SECONDS,
        });
      }
      expect(hasher.started).toBe(ARGON2_CONCURRENCY);

      hasher.release();
      const results = await Promise.all(accepted);
      expect(results).toEqual(results.map((_, i) => ({ value: i % 2 ? `hashed:pw-${i}` : true })));
      // Drained, the queue takes work again.
      await expect(hasher.hash('later')).resolves.toBe('hashed:later');
    });

    test("an unknown e-mail's dummy verify is refused alike, and works once the queue drains", async () => {
      const hasher = new GatedHasher();
      const waiting = Array.from({ length: ARGON2_CONCURRENCY + MAX_WAITING_HASHES }, (_, i) =>
        outcome(hasher.hash(`pw-${i}`)),
      );
      expect(await outcome(hasher.verifyAgainstDummy('a guess'))).toEqual({
        error: expect.any(PasswordHashingBusyError),
      });
      hasher.release();
      await Promise.all(waiting);
      await expect(hasher.verifyAgainstDummy('a guess')).resolves.toBe(false);
    });

    test('the wait it stands for is a few seconds, and so is the Retry-After', () => {
      expect(HASHING_BUSY_RETRY_AFTER_SECONDS).toBeGreaterThanOrEqual(1);
      expect(HASHING_BUSY_RETRY_AFTER_SECONDS).toBeLessThanOrEqual(5);
    });
  });
});
