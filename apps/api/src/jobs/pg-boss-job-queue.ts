import { createHash } from 'node:crypto';

import { Injectable, type OnModuleInit } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import {
  DataSource,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

import { preparedFor, runPrepared } from '../infrastructure/database/prepared-statement.js';
import type { JobName, JobPayloads } from './job-payloads.js';
import { type EnqueueOptions, JobQueue, type JobStatement } from './job-queue.js';
import { PgBossRuntime } from './pg-boss-runtime.js';

/** A name-based UUID (v5 layout over SHA-1), so one key always maps to one job id. */
function uuidFromKey(name: string, key: string): string {
  const hash = createHash('sha1').update(`minishop-job:${name}:${key}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * pg-boss runs its insert through this, on the caller's transaction (or any
 * pooled connection), as a prepared statement: its job insert is a large
 * statement that cost more to parse and plan than to run, on every order.
 */
function executorOf(manager: EntityManager): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      // pg-boss' SQL texts are fixed per schema: each is prepared once per connection.
      const { rows } = await runPrepared(manager, preparedFor(text), values);
      return { rows };
    },
  };
}

function sendOptions(name: string, options: EnqueueOptions, db: PgBoss.Db): PgBoss.SendOptions {
  const send: PgBoss.SendOptions = { db };
  if (options.dedupeKey !== undefined) send.id = uuidFromKey(name, options.dedupeKey);
  if (options.priority !== undefined) send.priority = options.priority;
  if (options.startAfter !== undefined) {
    send.startAfter =
      options.startAfter instanceof Date ? options.startAfter.toISOString() : options.startAfter;
  }
  return send;
}

@Injectable()
export class PgBossJobQueue extends JobQueue implements OnModuleInit {
  /** Queues that got a job in a still-open transaction, to wake on commit. */
  private readonly pending = new WeakMap<QueryRunner, Set<string>>();

  constructor(
    private readonly runtime: PgBossRuntime,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        // Also called when a savepoint is released: only the outer commit counts.
        if (event.queryRunner.isTransactionActive) return;
        const names = this.pending.get(event.queryRunner);
        this.pending.delete(event.queryRunner);
        for (const name of names ?? []) this.runtime.wake(name);
      },
      afterTransactionRollback: (event: TransactionRollbackEvent) => {
        if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
      },
    };
    this.dataSource.subscribers.push(subscriber);
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: EnqueueOptions = {},
  ): Promise<string | null> {
    // Without a transaction the insert still goes through the app's pool:
    // pg-boss' own pool is sized for its worker loops only.
    const db = executorOf(options.manager ?? this.dataSource.manager);
    const id = await this.runtime.boss.send(
      name,
      payload as object,
      sendOptions(name, options, db),
    );
    this.checkWritten(name, id, options);
    if (id !== null && this.runtime.working) {
      const runner = options.manager?.queryRunner;
      if (runner?.isTransactionActive) {
        const names = this.pending.get(runner) ?? new Set<string>();
        this.pending.set(runner, names.add(name));
      } else {
        this.runtime.wake(name);
      }
    }
    return id;
  }

  async withdraw(name: JobName, id: string): Promise<void> {
    // Cancelled, not deleted: a job a worker has just fetched then fails to
    // complete quietly instead of vanishing under it.
    await this.runtime.boss.cancel(name, id, { db: executorOf(this.dataSource.manager) });
  }

  /**
   * pg-boss builds the insert (its defaults, its queue's settings, its SQL)
   * and hands it to its database adapter in one call; this adapter keeps it
   * for the caller's statement instead of running it.
   */
  async statement<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options: Omit<EnqueueOptions, 'manager'> = {},
  ): Promise<JobStatement> {
    let insert: { text: string; values: unknown[] } | undefined;
    const keep: PgBoss.Db = {
      executeSql: async (text: string, values: unknown[]) => {
        if (insert) throw new Error('pg-boss ran more than one statement to send a job');
        insert = { text, values };
        return { rows: [] };
      },
    };
    await this.runtime.boss.send(name, payload as object, sendOptions(name, options, keep));
    if (!insert) throw new Error('pg-boss sent a job without a statement');
    const { text, values } = insert;
    return {
      text,
      values,
      committed: (jobId) => {
        this.checkWritten(name, jobId, options);
        if (jobId !== null && this.runtime.working) this.runtime.wake(name);
      },
    };
  }

  private checkWritten(name: string, id: string | null, options: EnqueueOptions): void {
    if (id === null && options.dedupeKey === undefined) {
      // pg-boss inserts through a join on its queue table: an unknown queue
      // silently inserts nothing. Losing a job must not be silent.
      throw new Error(`Job queue "${name}" does not exist: no handler registered for it`);
    }
  }
}
