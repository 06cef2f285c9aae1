import { randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { hash, type Options, parseOptions, verify } from '@node-rs/argon2';

import { PasswordHasher } from './password-hasher.js';

/**
 * Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane).
 * Measured on the 2-core deployment target: about 20 ms per verify alone and
 * ~40 ms p50 for a whole login over HTTP, so a burst of logins cannot starve
 * the API, while each offline guess still costs 19 MiB of memory. Heavier
 * settings (64 MiB, t=3, p=4: ~150 ms) would make login the slowest route
 * and turn the 4 libuv threads into an easy denial-of-service target.
 * Parameters are stored in each hash, so raising them later only needs
 * `needsRehash` on the next successful login.
 */
export const ARGON2_OPTIONS = {
  // Argon2id is the library's default algorithm; the const enum cannot be
  // referenced under isolatedModules, and parseOptions checks it on read.
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

const ARGON2ID = 2;

@Injectable()
export class Argon2PasswordHasher extends PasswordHasher {
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    // The async API runs on libuv's thread pool, off the event loop.
    return hash(password, ARGON2_OPTIONS);
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password);
    } catch {
      // Not an argon2 hash (e.g. an account created without a password).
      return false;
    }
  }

  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummy ??= hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS);
    await verify(await this.dummy, password).catch(() => false);
    return false;
  }

  needsRehash(stored: string): boolean {
    try {
      const o = parseOptions(stored);
      return (
        (o.algorithm as number) !== ARGON2ID ||
        o.memoryCost < ARGON2_OPTIONS.memoryCost ||
        o.timeCost < ARGON2_OPTIONS.timeCost
      );
    } catch {
      return false;
    }
  }
}
