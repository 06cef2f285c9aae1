import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyReusedError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { prepared, runPrepared } from '../infrastructure/database/prepared-statement.js';

export interface IdempotentRequest {
  userId: string;
  scope: string;
  key: string;
  /** The request body; hashed canonically, so key order does not matter. */
  body: unknown;
}

export interface StoredReply<T> {
  status: number;
  body: T;
}

/**
 * A claim older than this whose request never completed is taken as
 * abandoned (the process died mid-way) and may be claimed again. Safe
 * because the work itself must be resumable: checkout finds the order
 * already made under the key (unique in the database) instead of making one.
 */
const STALE_AFTER_SECONDS = 120;
/** How long a repeat waits for the first request before answering 409. */
const WAIT_FOR_FIRST_MS = 15_000;
const POLL_MS = 50;

export function validateIdempotencyKey(raw: string | string[] | undefined): string {
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || key.length === 0) {
    throw new IdempotencyKeyInvalidError('Idempotency-Key header is required');
  }
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new IdempotencyKeyInvalidError(
      'Idempotency-Key must be 1 to 255 visible ASCII characters',
    );
  }
  return key;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface KeyRow {
  request_hash: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_body: unknown;
  /** Text, not Date: a JS Date would drop the microseconds the compare-and-set needs. */
  claimed_at: string;
  stale: boolean;
}

// `xmin` is the id of the transaction that wrote the row's current version:
// it names one claim (ours, not a later one on the same key) exactly.
const CLAIM = prepared(
  `INSERT INTO idempotency_keys (user_id, scope, key, request_hash)
   VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING xmin::text AS owner`,
);
const READ = prepared(
  `SELECT request_hash, status, response_status, response_body, created_at::text AS claimed_at,
          created_at < now() - make_interval(secs => $4) AS stale
     FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`,
);
const RETAKE = prepared(
  `UPDATE idempotency_keys SET created_at = now()
    WHERE user_id = $1 AND scope = $2 AND key = $3
      AND status = 'in_progress' AND created_at = $4::timestamptz
    RETURNING xmin::text AS owner`,
);
const COMPLETE = prepared(
  `UPDATE idempotency_keys
      SET status = 'completed', response_status = $4, response_body = $5, completed_at = now()
    WHERE user_id = $1 AND scope = $2 AND key = $3
    RETURNING response_body`,
);
const RELEASE = prepared(
  `DELETE FROM idempotency_keys
    WHERE user_id = $1 AND scope = $2 AND key = $3 AND status = 'in_progress' AND xmin = $4::xid`,
);
// Dates the claim back past STALE_AFTER_SECONDS ($5), so the next repeat
// takes it over at once; a week's cleanup still counts from about now.
const LEAVE_FOR_RETRY = prepared(
  `UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $5)
    WHERE user_id = $1 AND scope = $2 AND key = $3 AND status = 'in_progress' AND xmin = $4::xid`,
);

const IS_TAKEN = prepared(
  'SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3',
);

/** Thrown when the key is another request's; `run` decides what the caller gets. */
class KeyHeldElsewhere extends Error {}

/**
 * What a statement of the work needs to take the claim itself, in the same
 * statement as its own writes: INSERT INTO idempotency_keys (user_id, scope,
 * key, request_hash) ON CONFLICT DO NOTHING RETURNING xmin, unless `owner`
 * is set (the key is already this request's: then the row with that xmin).
 */
export interface StatementClaim {
  userId: string;
  scope: string;
  key: string;
  requestHash: string;
  owner: string | null;
}

/**
 * What a statement of the work needs to store the reply itself, beside its
 * own writes: UPDATE idempotency_keys SET status = 'completed',
 * response_status = `status`, response_body = `body`, completed_at = now()
 * WHERE (user_id, scope, key) RETURNING response_body.
 */
export interface StatementCompletion {
  userId: string;
  scope: string;
  key: string;
  status: number;
  /** The reply body as JSON. */
  body: string;
}

/**
 * One request's hold on its key, handed to the work. The work takes it in
 * its first transaction and completes it in its last, so the claim commits
 * or rolls back with the work's own writes instead of costing transactions
 * of its own: a request that fails before its first commit leaves no claim.
 */
export class IdempotencyClaim<T> {
  /**
   * True when an earlier request under this key died after part of its
   * work: the work must look for what that request already did.
   */
  readonly resumed: boolean;
  private owner: string | null;
  private stored: StoredReply<T> | null = null;

  /** @param retakenBy the claim's writer when `run` retook an abandoned one; null: not yet taken. */
  constructor(
    private readonly request: IdempotentRequest,
    private readonly hash: string,
    retakenBy: string | null,
  ) {
    this.owner = retakenBy;
    this.resumed = retakenBy !== null;
  }

  /**
   * Claims the key (a no-op when this request holds it already); in a
   * transaction of the work, call it first, so a repeat of this request
   * waits at the key rather than doing anything.
   */
  async take(manager: EntityManager): Promise<void> {
    if (this.owner !== null) return;
    const { userId, scope, key } = this.request;
    const { rows } = await runPrepared<{ owner: string }>(manager, CLAIM, [
      userId,
      scope,
      key,
      this.hash,
    ]);
    if (!rows[0]) throw new KeyHeldElsewhere();
    this.owner = rows[0].owner;
  }

  /** Whether `hash`, a request's as kept with what it made, is this request's. */
  isRequest(hash: string): boolean {
    return hash === this.hash;
  }

  /** For work whose own statement takes the claim (see StatementClaim). */
  forStatement(): StatementClaim {
    const { userId, scope, key } = this.request;
    return { userId, scope, key, requestHash: this.hash, owner: this.owner };
  }

  /** The work's statement took the key; `owner` is the xmin it returned. */
  takenBy(owner: string): void {
    this.owner = owner;
  }

  /** What the work throws when its statement found the key held by another request. */
  heldElsewhere(): Error {
    return new KeyHeldElsewhere();
  }

  /**
   * Call before refusing a request (422, 409) without having taken the key:
   * when the key is taken already, a repeat must get the first request's
   * reply (or wait for it), not a refusal of its own.
   */
  async assertFree(manager: EntityManager): Promise<void> {
    if (this.owner !== null) return;
    const { userId, scope, key } = this.request;
    const { rowCount } = await runPrepared(manager, IS_TAKEN, [userId, scope, key]);
    if (rowCount > 0) throw new KeyHeldElsewhere();
  }

  /**
   * Stores the reply in the work's last transaction. Every caller, first or
   * repeat, gets the body as stored, so replays are identical to the first.
   */
  async complete(reply: StoredReply<T>, manager: EntityManager): Promise<StoredReply<T>> {
    const { userId, scope, key } = this.request;
    const { rows } = await runPrepared<{ response_body: T }>(manager, COMPLETE, [
      userId,
      scope,
      key,
      reply.status,
      JSON.stringify(reply.body),
    ]);
    return this.completedWith(reply, rows[0]?.response_body);
  }

  /** For work whose own (last) statement stores the reply (see StatementCompletion). */
  forCompletion(reply: StoredReply<T>): StatementCompletion {
    const { userId, scope, key } = this.request;
    return { userId, scope, key, status: reply.status, body: JSON.stringify(reply.body) };
  }

  /** The work's statement stored `reply`; `stored` is the body it returned, as stored. */
  completedWith(reply: StoredReply<T>, stored: T | undefined): StoredReply<T> {
    this.stored = { status: reply.status, body: stored ?? reply.body };
    return this.stored;
  }

  /**
   * For work that failed not knowing whether its outside effect happened (the
   * provider could not be reached, or answered too late): instead of giving
   * the key up, as `run` does after a failure, the claim stays, so no other
   * request can take the key, and the next repeat takes it over at once as
   * `resumed`, as after a process died, to finish what this one began.
   */
  async leaveForRetry(manager: EntityManager): Promise<void> {
    if (this.owner === null) return;
    const { userId, scope, key } = this.request;
    await runPrepared(manager, LEAVE_FOR_RETRY, [
      userId,
      scope,
      key,
      this.owner,
      STALE_AFTER_SECONDS + 1,
    ]);
    // Not ours to release any more.
    this.owner = null;
  }

  /** @internal for IdempotencyService */
  get completed(): StoredReply<T> | null {
    return this.stored;
  }

  /**
   * @internal for IdempotencyService: gives the key up after a failure.
   * Only our own claim: when the claiming transaction rolled back there is
   * nothing to delete, and a claim another request made since stays.
   */
  async release(manager: EntityManager): Promise<void> {
    if (this.owner === null) return;
    const { userId, scope, key } = this.request;
    await runPrepared(manager, RELEASE, [userId, scope, key, this.owner]);
    this.owner = null;
  }
}

/**
 * Runs a request at most once per (user, scope, key) and replays its reply.
 * The claim is a row the work inserts in its own first transaction (its
 * only one, for checkout, which inserts it already completed), so the first
 * request wins and every repeat that meets the key waits for its reply.
 * Only successful replies are stored: a refused request (empty cart, no
 * stock, provider down) leaves or releases no claim, so the client may retry
 * with the same key. Work whose outside call may have gone through can keep
 * its claim for the retry instead (`IdempotencyClaim.leaveForRetry`).
 */
@Injectable()
export class IdempotencyService {
  /** The requests this process is running, by user, scope and key. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(
    request: IdempotentRequest,
    work: (claim: IdempotencyClaim<T>) => Promise<StoredReply<T>>,
  ): Promise<StoredReply<T>> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    const id = `${request.userId}\u0000${request.scope}\u0000${request.key}`;
    // A repeat this process is already running (a double click) waits for it
    // here and then reads its stored reply. Racing it instead would do the
    // work's outside calls for nothing: checkout would make a PaymentIntent
    // only to lose the key at its write and cancel it. (Repeats that reach
    // another instance still meet at the key.)
    for (let earlier = this.running.get(id); earlier; earlier = this.running.get(id)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const waited = new AbortController();
      await Promise.race([
        earlier.catch(() => undefined),
        sleep(left, undefined, { signal: waited.signal }).catch(() => undefined),
      ]);
      waited.abort();
    }
    const attempt = this.attempt(request, work, deadline);
    this.running.set(id, attempt);
    try {
      return await attempt;
    } finally {
      if (this.running.get(id) === attempt) this.running.delete(id);
    }
  }

  private async attempt<T>(
    request: IdempotentRequest,
    work: (claim: IdempotencyClaim<T>) => Promise<StoredReply<T>>,
    deadline: number,
  ): Promise<StoredReply<T>> {
    const hash = createHash('sha256').update(canonical(request.body)).digest('hex');
    let claim = new IdempotencyClaim<T>(request, hash, null);
    for (;;) {
      try {
        return await this.perform(claim, work);
      } catch (error) {
        if (!(error instanceof KeyHeldElsewhere)) throw error;
      }
      const next = await this.awaitKey<T>(request, hash, deadline);
      if (!(next instanceof IdempotencyClaim)) return next;
      claim = next;
    }
  }

  private async perform<T>(
    claim: IdempotencyClaim<T>,
    work: (claim: IdempotencyClaim<T>) => Promise<StoredReply<T>>,
  ): Promise<StoredReply<T>> {
    let reply: StoredReply<T>;
    try {
      reply = await work(claim);
    } catch (error) {
      await claim.release(this.dataSource.manager);
      throw error;
    }
    // Work that did not store its reply in its own transaction.
    return claim.completed ?? claim.complete(reply, this.dataSource.manager);
  }

  /**
   * The key is held by another request: its stored reply once it completes,
   * a claim to try again with once it is released or found abandoned, or
   * 409 when it is still running at the deadline; 422 for another body.
   */
  private async awaitKey<T>(
    request: IdempotentRequest,
    hash: string,
    deadline: number,
  ): Promise<StoredReply<T> | IdempotencyClaim<T>> {
    for (;;) {
      const row = await this.read(request);
      if (!row) return new IdempotencyClaim<T>(request, hash, null);
      if (row.request_hash !== hash) throw new IdempotencyKeyReusedError();
      if (row.status === 'completed') {
        return { status: row.response_status ?? 200, body: row.response_body as T };
      }
      const retakenBy = row.stale ? await this.retake(request, row.claimed_at) : null;
      if (retakenBy !== null) return new IdempotencyClaim<T>(request, hash, retakenBy);
      if (Date.now() >= deadline) throw new IdempotencyKeyInProgressError();
      await sleep(POLL_MS);
    }
  }

  private async read(request: IdempotentRequest): Promise<KeyRow | undefined> {
    const { rows } = await runPrepared<KeyRow>(this.dataSource.manager, READ, [
      request.userId,
      request.scope,
      request.key,
      STALE_AFTER_SECONDS,
    ]);
    return rows[0];
  }

  /**
   * Compare-and-set on created_at: of several repeats finding it stale, one
   * wins. Returns the new claim's writer, or null when another repeat won.
   */
  private async retake(request: IdempotentRequest, claimedAt: string): Promise<string | null> {
    const { rows } = await runPrepared<{ owner: string }>(this.dataSource.manager, RETAKE, [
      request.userId,
      request.scope,
      request.key,
      claimedAt,
    ]);
    return rows[0]?.owner ?? null;
  }
}
