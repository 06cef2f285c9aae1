import { Logger } from '@nestjs/common';

import type { ClosableDb } from './preparing-db.js';

/** What pg-boss reads of a batch end's result: how many jobs it changed. */
const NOTHING_CHANGED = { rows: [{ count: '0' }] };

/** A batch handed to a worker, until pg-boss has recorded its end. */
export interface OpenBatch {
  /** Runs `then` once pg-boss' statement ending this batch has been answered (at once if it has). */
  afterEnd(then: () => void): void;
}

interface BatchState extends OpenBatch {
  ended: boolean;
  waiting: (() => void)[];
}

/**
 * pg-boss ends every batch it hands a worker with a statement of its own,
 * sent once the handler has returned and not awaited: it completes the
 * batch's jobs still active, or fails those not yet completed when the batch
 * outlived its expiry or the shutdown grace. That statement names exactly
 * the batch's job ids, in the batch's order, and no other statement pg-boss
 * sends does, so the adapter it runs on can tell when a batch's end has been
 * recorded. Statements of our own bypass this adapter.
 */
export class BatchEnds {
  private readonly logger = new Logger('Jobs');
  /**
   * By job ids. A job whose batch pg-boss failed can be in a new batch of
   * the same ids before the old one's end is seen here: the older ends first.
   */
  private readonly open = new Map<string, BatchState[]>();

  begin(ids: readonly string[]): OpenBatch {
    const state: BatchState = {
      ended: false,
      waiting: [],
      afterEnd: (then) => {
        if (state.ended) then();
        else state.waiting.push(then);
      },
    };
    const key = ids.join(',');
    this.open.set(key, [...(this.open.get(key) ?? []), state]);
    return state;
  }

  /** `db`, telling the open batches when their end has been recorded (or failed to be). */
  watching(db: ClosableDb): ClosableDb {
    return {
      executeSql: async (text, values = []) => {
        const ids: unknown = values[1];
        const key = Array.isArray(ids) ? ids.join(',') : undefined;
        try {
          return await db.executeSql(text, values);
        } catch (error) {
          // pg-boss neither awaits nor catches a batch's end: thrown, this
          // would be an unhandled rejection, which ends the process and
          // every request and job in it. Its jobs stay active and are
          // retried once they expire, as if this process had died.
          if (key === undefined || !this.open.has(key)) throw error;
          this.logger.error(
            `Could not record the end of a batch of ${(ids as unknown[]).length} job(s); they are retried once expired: ${String(error)}`,
          );
          return NOTHING_CHANGED;
        } finally {
          if (key !== undefined) this.ended(key);
        }
      },
      close: async () => {
        await db.close();
        // No batch end can be recorded any more: what waits for one runs now
        // (and finds the pool closed).
        for (const key of [...this.open.keys()]) {
          while (this.open.has(key)) this.ended(key);
        }
      },
    };
  }

  private ended(key: string): void {
    const [state, ...later] = this.open.get(key) ?? [];
    if (!state) return;
    if (later.length > 0) this.open.set(key, later);
    else this.open.delete(key);
    state.ended = true;
    for (const then of state.waiting.splice(0)) then();
  }
}
