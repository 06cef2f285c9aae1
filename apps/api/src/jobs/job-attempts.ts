import type { Pool, PoolClient } from 'pg';
import type PgBoss from 'pg-boss';

import { prepared, type PreparedStatement } from '../infrastructure/database/prepared-statement.js';

/** One attempt of a job, as this worker fetched it (pg-boss counts attempts in retry_count). */
export interface Attempt {
  id: string;
  retryCount: number;
}

/** A failed job's retry held back until its batch has ended; `due` is when pg-boss would start it. */
export interface HeldRetry extends Attempt {
  due: Date;
}

/**
 * Records how job attempts ended, only while the job is still in the
 * attempt this worker fetched (active, same retry_count). A handler can end
 * after pg-boss failed its batch (expiry, shutdown grace) and another worker
 * took the retry: pg-boss' own complete and fail go by job id alone and
 * would mark that retry done, or fail it, while it runs.
 */
export class JobAttempts {
  private readonly completeStatement: PreparedStatement;
  private readonly releaseStatement: PreparedStatement;
  private readonly giveBackStatement: PreparedStatement;
  private readonly alignStatement: PreparedStatement;

  constructor(
    private readonly pool: Pool,
    private readonly boss: PgBoss,
    private readonly schema: string,
  ) {
    this.completeStatement = prepared(
      `UPDATE ${schema}.job j SET completed_on = now(), state = 'completed', output = NULL
         FROM unnest($2::uuid[], $3::int[]) AS a(id, retry_count)
        WHERE j.name = $1 AND j.id = a.id AND j.retry_count = a.retry_count
          AND j.state = 'active'`,
    );
    this.releaseStatement = prepared(
      `UPDATE ${schema}.job j SET start_after = greatest(h.due, now())
         FROM unnest($2::uuid[], $3::int[], $4::timestamptz[]) AS h(id, retry_count, due)
        WHERE j.name = $1 AND j.id = h.id AND j.retry_count = h.retry_count
          AND j.state = 'retry'`,
    );
    this.alignStatement = prepared(
      `UPDATE ${schema}.job j
          SET retry_limit = coalesce(q.retry_limit, j.retry_limit),
              retry_delay = coalesce(q.retry_delay, j.retry_delay),
              retry_backoff = coalesce(q.retry_backoff, j.retry_backoff),
              expire_in = coalesce(make_interval(secs => q.expire_seconds), j.expire_in),
              dead_letter = coalesce(q.dead_letter, j.dead_letter)
         FROM ${schema}.queue q, unnest($2::uuid[], $3::int[]) AS a(id, retry_count)
        WHERE q.name = $1 AND j.name = $1 AND j.id = a.id AND j.retry_count = a.retry_count
          AND j.state = 'active'`,
    );
    // pg-boss' fetch set state 'active' and started_on, and counted a retry
    // (retry_count + 1) when started_on was already set; undone here, so
    // the next fetch counts as this one would have. A first attempt
    // (retry_count 0) had no started_on.
    this.giveBackStatement = prepared(
      `UPDATE ${schema}.job j
          SET state = CASE WHEN a.retry_count = 0 THEN 'created' ELSE 'retry' END::${schema}.job_state,
              started_on = CASE WHEN a.retry_count = 0 THEN NULL ELSE j.started_on END,
              retry_count = greatest(a.retry_count - 1, 0)
         FROM unnest($2::uuid[], $3::int[]) AS a(id, retry_count)
        WHERE j.name = $1 AND j.id = a.id AND j.retry_count = a.retry_count
          AND j.state = 'active'`,
    );
  }

  /**
   * Gives dead letters their queue's settings as they are fetched. pg-boss
   * writes a dead letter with none of its queue's (a bare insert: no retry
   * delay, a 15-minute expiry, no dead letter of its own, the retry limit of
   * the job that died), so a dead-letter handler that failed (its database
   * briefly away), or outlived its expiry, or was cut off by a shutdown, was
   * retried at every poll or not at all, its import or report left running
   * for good. Every way an attempt fails reads them from the job's row.
   */
  async alignWithQueue(queue: string, attempts: readonly Attempt[]): Promise<void> {
    await this.onAttempts(this.alignStatement, queue, attempts);
  }

  /**
   * Puts fetched attempts back as they were before the fetch, no attempt
   * used: for a batch that came in after this worker began to stop. The
   * next fetch, here or elsewhere, takes them at once.
   */
  async giveBack(queue: string, attempts: readonly Attempt[]): Promise<void> {
    await this.onAttempts(this.giveBackStatement, queue, attempts);
  }

  async complete(queue: string, attempts: readonly Attempt[]): Promise<void> {
    await this.onAttempts(this.completeStatement, queue, attempts);
  }

  /** Runs `statement` on the attempts of `queue`, given as $1 (queue), $2 (ids), $3 (retry counts). */
  private async onAttempts(
    statement: PreparedStatement,
    queue: string,
    attempts: readonly Attempt[],
  ): Promise<void> {
    await this.pool.query({
      ...statement,
      values: [queue, attempts.map((a) => a.id), attempts.map((a) => a.retryCount)],
    });
  }

  /**
   * Fails the attempts still running here (pg-boss' fail: retry or dead
   * letter), in one transaction that also holds their retries back: until
   * the batch's end is recorded (`release`), or, should this process die
   * first, until the job's expiry has passed, as for an active job whose
   * worker died. Otherwise a retry due at once could be taken by another
   * worker before pg-boss completes the batch, and be marked done by it.
   */
  async fail(
    queue: string,
    failures: readonly (Attempt & { message: string })[],
  ): Promise<HeldRetry[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A connection lost while held here is also an 'error' event, which
    // would end the process unheard; the statement in flight rejects with it.
    const lost = (e: Error) => (broken = e);
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const { rows: running } = await client.query<{ id: string }>(
        `SELECT j.id FROM ${this.schema}.job j
           JOIN unnest($2::uuid[], $3::int[]) AS a(id, retry_count)
             ON j.id = a.id AND j.retry_count = a.retry_count
          WHERE j.name = $1 AND j.state = 'active'
            FOR UPDATE OF j`,
        [queue, failures.map((f) => f.id), failures.map((f) => f.retryCount)],
      );
      const ids = new Set(running.map((r) => r.id));
      const db = inTransaction(client);
      for (const failure of failures) {
        if (ids.has(failure.id)) {
          await this.boss.fail(queue, failure.id, { message: failure.message }, { db });
        }
      }
      const { rows: held } = await client.query<{ id: string; retry_count: number; due: Date }>(
        `WITH due AS (
           SELECT id, start_after FROM ${this.schema}.job
            WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'retry')
         UPDATE ${this.schema}.job j
            SET start_after = greatest(due.start_after, now() + j.expire_in)
           FROM due
          WHERE j.name = $1 AND j.id = due.id
         RETURNING j.id, j.retry_count, due.start_after AS due`,
        [queue, [...ids]],
      );
      await client.query('COMMIT');
      return held.map((h) => ({ id: h.id, retryCount: h.retry_count, due: h.due }));
    } catch (error) {
      // A connection that cannot roll back is not given back to the pool.
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      throw error;
    } finally {
      client.removeListener('error', lost);
      client.release(broken);
    }
  }

  /** Lets held retries start when pg-boss meant them to, or now if that has passed. */
  async release(queue: string, held: readonly HeldRetry[]): Promise<void> {
    await this.pool.query({
      ...this.releaseStatement,
      values: [queue, held.map((h) => h.id), held.map((h) => h.retryCount), held.map((h) => h.due)],
    });
  }
}

function inTransaction(client: PoolClient): PgBoss.Db {
  return { executeSql: (text, values) => client.query(text, values) };
}
