import { describe, expect, test } from '@jest/globals';
import { hash } from '@node-rs/argon2';

import { ARGON2_OPTIONS, Argon2PasswordHasher } from './argon2-password-hasher.js';

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
});
