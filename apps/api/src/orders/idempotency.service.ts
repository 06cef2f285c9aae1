import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyReusedError,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

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

/**
 * Runs a request at most once per (user, scope, key) and replays its reply.
 * A claim is a row inserted with ON CONFLICT DO NOTHING in its own short
 * transaction, so the first request wins and every repeat sees it at once.
 * Only successful replies are stored: a refused request (empty cart, no
 * stock, provider down) releases its key, so the client may retry with it.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(
    request: IdempotentRequest,
    work: () => Promise<StoredReply<T>>,
  ): Promise<StoredReply<T>> {
    const hash = createHash('sha256').update(canonical(request.body)).digest('hex');
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      if (await this.claim(request, hash)) return this.perform(request, work);
      const row = await this.read(request);
      if (!row) continue; // released between our insert and read: claim again
      if (row.request_hash !== hash) throw new IdempotencyKeyReusedError();
      if (row.status === 'completed') {
        return { status: row.response_status ?? 200, body: row.response_body as T };
      }
      if (row.stale && (await this.retake(request, row.claimed_at))) {
        return this.perform(request, work);
      }
      if (Date.now() >= deadline) throw new IdempotencyKeyInProgressError();
      await sleep(POLL_MS);
    }
  }

  private async perform<T>(
    request: IdempotentRequest,
    work: () => Promise<StoredReply<T>>,
  ): Promise<StoredReply<T>> {
    let reply: StoredReply<T>;
    try {
      reply = await work();
    } catch (error) {
      await this.release(request);
      throw error;
    }
    // Every caller, first or repeat, gets the body as stored, so replays are identical.
    const [rows] = (await this.dataSource.query(
      `UPDATE idempotency_keys
          SET status = 'completed', response_status = $4, response_body = $5, completed_at = now()
        WHERE user_id = $1 AND scope = $2 AND key = $3
        RETURNING response_body`,
      [request.userId, request.scope, request.key, reply.status, JSON.stringify(reply.body)],
    )) as [{ response_body: T }[], number];
    return { status: reply.status, body: rows[0]?.response_body ?? reply.body };
  }

  private async claim(request: IdempotentRequest, hash: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO idempotency_keys (user_id, scope, key, request_hash)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
      [request.userId, request.scope, request.key, hash],
    )) as unknown[];
    return rows.length === 1;
  }

  private async read(request: IdempotentRequest): Promise<KeyRow | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT request_hash, status, response_status, response_body, created_at::text AS claimed_at,
              created_at < now() - make_interval(secs => $4) AS stale
         FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`,
      [request.userId, request.scope, request.key, STALE_AFTER_SECONDS],
    )) as KeyRow[];
    return rows[0];
  }

  /** Compare-and-set on created_at: of several repeats finding it stale, one wins. */
  private async retake(request: IdempotentRequest, claimedAt: string): Promise<boolean> {
    const [, affected] = (await this.dataSource.query(
      `UPDATE idempotency_keys SET created_at = now()
        WHERE user_id = $1 AND scope = $2 AND key = $3
          AND status = 'in_progress' AND created_at = $4::timestamptz`,
      [request.userId, request.scope, request.key, claimedAt],
    )) as [unknown, number];
    return affected === 1;
  }

  private async release(request: IdempotentRequest): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
        WHERE user_id = $1 AND scope = $2 AND key = $3 AND status = 'in_progress'`,
      [request.userId, request.scope, request.key],
    );
  }
}
