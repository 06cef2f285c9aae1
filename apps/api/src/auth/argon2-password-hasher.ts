import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';

import { Injectable } from '@nestjs/common';
import { hash, type Options, parseOptions, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';

import { PasswordHasher, PasswordHashingBusyError } from './password-hasher.js';

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
 * At most this many hashes run at once; the rest wait their turn (at most
 * MAX_WAITING_HASHES of them). Without the cap a burst of logins fills all
 * four libuv threads (and both cores here) with argon2, and everything else
 * that needs the pool (DNS lookups for Stripe or SMTP, file I/O, async
 * crypto) and the event loop itself queue behind it. One core is left for
 * the event loop.
 */
export const ARGON2_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/** One hash or verify on the 2-core target while it is busy (see ARGON2_OPTIONS). */
const BUSY_HASH_MS = 43;

/**
 * Past this many hashes and verifies waiting for a slot, another is refused
 * at once (PasswordHashingBusyError: 503 with Retry-After) instead of
 * queueing. Unbounded, the queue made a real login wait 17 s behind 400
 * registrations (about 42 ms a hash), and behind 900 requests ran into the
 * 30 s request deadline. Full, it drains in MAX_WAITING_HASHES × 43 ms /
 * ARGON2_CONCURRENCY, 2.8 s with one slot: a caller waits a few seconds
 * at worst, and one turned away is told when to come back.
 */
export const MAX_WAITING_HASHES = 64;

/** What a refused caller is told to wait: about as long as a full queue takes to drain. */
export const HASHING_BUSY_RETRY_AFTER_SECONDS = Math.max(
  1,
  Math.ceil((MAX_WAITING_HASHES * BUSY_HASH_MS) / ARGON2_CONCURRENCY / 1000),
);

@Injectable()
export class Argon2PasswordHasher extends PasswordHasher {
  private dummy: Promise<string> | undefined;
  private readonly slots = pLimit(ARGON2_CONCURRENCY);

  hash(password: string): Promise<string> {
    return this.queued(() => this.computeHash(password));
  }

  verify(stored: string, password: string): Promise<boolean> {
    return this.queued(async () => {
      try {
        return await this.computeVerify(stored, password);
      } catch {
        // Not an argon2 hash (e.g. an account created without a password).
        return false;
      }
    });
  }

  async verifyAgainstDummy(password: string): Promise<false> {
    // Refused while the queue is full, as a known e-mail's verify is; the
    // dummy itself is made once, past the bound, so that no refusal can
    // leave a rejected dummy to every later unknown-e-mail login.
    this.assertRoom();
    this.dummy ??= this.slots(() => this.computeHash(randomBytes(16).toString('hex')));
    await this.verify(await this.dummy, password);
    return false;
  }

  /** The argon2 hash itself; the async API runs on libuv's thread pool, off the event loop. */
  protected computeHash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS);
  }

  /** The argon2 verify itself; throws for a hash it cannot read. */
  protected computeVerify(stored: string, password: string): Promise<boolean> {
    return verify(stored, password);
  }

  /** `work` in its turn for a slot, or refused at once when the queue is full. */
  private async queued<T>(work: () => Promise<T>): Promise<T> {
    this.assertRoom();
    return this.slots(work);
  }

  private assertRoom(): void {
    if (this.slots.pendingCount >= MAX_WAITING_HASHES) {
      throw new PasswordHashingBusyError(HASHING_BUSY_RETRY_AFTER_SECONDS);
    }
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
