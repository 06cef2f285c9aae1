import type { ClosableDb } from './preparing-db.js';

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
        try {
          return await db.executeSql(text, values);
        } finally {
          const ids: unknown = values[1];
          if (Array.isArray(ids)) this.ended(ids.join(','));
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
