import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';

import { Injectable } from '@nestjs/common';
import { hash, type Options, parseOptions, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';

import { PasswordHasher } from './password-hasher.js';

/**
 * Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane).
 * Measured on the 2-core target: one verify 18-43 ms (idle to busy), a
 * whole login over HTTP p50 64 ms (N=100, shared machine under load).
 * Heavier settings measured 110-200 ms per verify (64 MiB, t=2..3) and would
 * make login the slowest route and an easy way to exhaust the CPU. Each
 * guess still costs an attacker 19 MiB and two passes. The parameters are
 * stored in every hash, so raising them later upgrades each account at its
 * next successful login (`needsRehash`).
 */
export const ARGON2_OPTIONS = {
  // Argon2id is the library's default algorithm; the const enum cannot be
  // referenced under isolatedModules, and parseOptions checks it on read.
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

const ARGON2ID = 2;

/**
 * At most this many hashes run at once; the rest wait their turn. Without
 * the cap a burst of logins fills all four libuv threads (and both cores
 * here) with argon2, and everything else that needs the pool (DNS lookups
 * for Stripe or SMTP, file I/O, async crypto) and the event loop itself
 * queue behind it. One core is left for the event loop.
 */
export const ARGON2_CONCURRENCY = Math.max(1, availableParallelism() - 1);

@Injectable()
export class Argon2PasswordHasher extends PasswordHasher {
  private dummy: Promise<string> | undefined;
  private readonly slots = pLimit(ARGON2_CONCURRENCY);

  hash(password: string): Promise<string> {
    // The async API runs on libuv's thread pool, off the event loop.
    return this.slots(() => hash(password, ARGON2_OPTIONS));
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await this.slots(() => verify(stored, password));
    } catch {
      // Not an argon2 hash (e.g. an account created without a password).
      return false;
    }
  }

  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    const dummy = await this.dummy;
    await this.slots(() => verify(dummy, password)).catch(() => false);
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
