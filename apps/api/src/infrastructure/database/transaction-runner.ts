import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel.js';

import {
  currentRequestDeadline,
  RequestAlreadyAnsweredError,
} from '../http/request-deadline-scope.js';

export interface TransactionOptions<T = unknown> {
  isolation?: IsolationLevel;
  /**
   * How many times to re-run the whole unit of work when PostgreSQL aborts it
   * with a serialization failure or a deadlock; both are safe to retry because
   * nothing of the failed attempt was committed.
   */
  retries?: number;
  /**
   * Whether the work's result must commit even when its HTTP request was
   * already answered 503 at its deadline, which otherwise rolls it back: a
   * result the client learns nothing from, such as revoking a stolen token
   * whose request only ever gets an error.
   */
  commitIfAnswered?: (result: T) => boolean;
}

const RETRYABLE = new Set(['40001', '40P01']);

/** What runs once each open transaction commits, by its manager. */
const commitHooks = new WeakMap<EntityManager, CommitHook[]>();

type CommitHook = () => void | Promise<void>;

/**
 * Runs `hook` once the transaction of `manager` (one a TransactionRunner
 * opened) has committed and its connection is back in the pool, before the
 * use case's result is returned; never when it rolls back. For effects
 * outside the database that must not run ahead of the commit, such as
 * telling a process-local cache that a row changed. The use case has
 * happened by then: a hook that fails is logged, and fails nothing.
 */
export function onCommit(manager: EntityManager, hook: CommitHook): void {
  const hooks = commitHooks.get(manager);
  if (!hooks) throw new Error('onCommit needs a transaction opened by TransactionRunner');
  hooks.push(hook);
}

function pgCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The unit of work of every write use case: hands `work` a transactional
 * EntityManager, commits when it resolves, rolls back when it throws, and in
 * every case returns the connection to the pool. Use cases never open or
 * close transactions themselves.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(
    work: (manager: EntityManager) => Promise<T>,
    options: TransactionOptions<T> = {},
  ): Promise<T> {
    const attempts = 1 + (options.retries ?? 0);
    for (let attempt = 1; ; attempt++) {
      let committed: { result: T; hooks: CommitHook[] };
      try {
        committed = await this.once(work, options);
      } catch (error) {
        const code = pgCode(error);
        if (attempt >= attempts || code === undefined || !RETRYABLE.has(code)) throw error;
        continue;
      }
      // Outside the retries: nothing after the commit may run the work again.
      for (const hook of committed.hooks) {
        try {
          await hook();
        } catch (error) {
          this.logger.error({ err: error }, 'a step after a committed transaction failed');
        }
      }
      return committed.result;
    }
  }

  private async once<T>(
    work: (manager: EntityManager) => Promise<T>,
    options: TransactionOptions<T>,
  ): Promise<{ result: T; hooks: CommitHook[] }> {
    // An HTTP request already answered 503 at its deadline, with nothing of
    // it committed, was told to try again: what it does now must not also
    // stay done. Once part of it committed, the rest goes on (it finishes
    // or undoes that part), and the 503 said so.
    const deadline = currentRequestDeadline();
    const refused = () => deadline?.answered === true && !deadline.committed;
    if (refused() && !options.commitIfAnswered) throw new RequestAlreadyAnsweredError();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction(options.isolation);
      const hooks: CommitHook[] = [];
      commitHooks.set(runner.manager, hooks);
      const result = await work(runner.manager);
      if (refused() && !options.commitIfAnswered?.(result)) {
        throw new RequestAlreadyAnsweredError();
      }
      if (deadline) deadline.committing += 1;
      try {
        await runner.commitTransaction();
        if (deadline) deadline.committed = true;
      } finally {
        if (deadline) deadline.committing -= 1;
      }
      return { result, hooks };
    } catch (error) {
      if (runner.isTransactionActive) {
        // A failed rollback means the connection is broken; release() below
        // discards it, and the original error is the one worth reporting.
        await runner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      commitHooks.delete(runner.manager);
      await runner.release();
    }
  }
}
