import type { EntityManager } from 'typeorm';

import type { JobName, JobPayloads } from './job-payloads.js';

export interface EnqueueOptions {
  /**
   * The transaction of the change that causes the job. The job row is written
   * on that connection: rolled back, there is no job; committed, it runs.
   * Without it the job is written at once, on a connection of its own.
   */
  manager?: EntityManager;
  /** Run no earlier than this date, or this many seconds from now. */
  startAfter?: Date | number;
  /**
   * At most one job per key and queue while it is waiting, running or
   * recently finished (until pg-boss archives it): a second enqueue with the
   * same key is dropped and returns null. Use a business key such as
   * `order-confirmation:<orderId>`.
   */
  dedupeKey?: string;
  /** Higher runs first. */
  priority?: number;
}

/**
 * A job's insert for a caller that runs it inside a statement of its own,
 * beside its own writes (as a CTE: `WITH job AS (${text}), ...`), so the job
 * commits with them in one round trip instead of a transaction of several.
 * Its parameters are `$1`..`$n` with `values`; the caller numbers its own
 * from `n + 1`. It returns the job's `id`, or no row when `dedupeKey`
 * matched a job already there.
 */
export interface JobStatement {
  readonly text: string;
  readonly values: readonly unknown[];
  /**
   * Call once the statement has committed, with the id it returned: wakes
   * this process' workers of the queue, and throws when a job without a
   * dedupe key was not written (no handler made its queue).
   */
  committed(jobId: string | null): void;
}

/**
 * The port through which use cases hand work to the background worker. Jobs
 * are delivered at least once: handlers must be idempotent (see
 * JobIdempotency).
 */
export abstract class JobQueue {
  /** Returns the job id, or null when `dedupeKey` matched an existing job. */
  abstract enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options?: EnqueueOptions,
  ): Promise<string | null>;

  /**
   * Withdraws a job that has not run yet, as its work was done another way
   * (a safety net enqueued for a step the caller then managed itself). One
   * already running is left to finish: handlers are idempotent anyway.
   */
  abstract withdraw(name: JobName, id: string): Promise<void>;

  /** The same job as `enqueue` writes, for the caller's own statement to write. */
  abstract statement<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options?: Omit<EnqueueOptions, 'manager'>,
  ): Promise<JobStatement>;
}
