import { setTimeout as sleep } from 'node:timers/promises';

import type { ClosableDb } from './preparing-db.js';

/** Between two looks at whether pg-boss' statements are done. */
const CHECK_EVERY_MS = 10;

/**
 * Counts pg-boss' statements under way, so a stop can wait for them before
 * the pool closes. pg-boss' own stop waits only for the batches it has
 * handed out: a fetch under way when the stop begins still hands its jobs
 * (marked active) to their handler afterwards, and pg-boss ends the batch
 * with a statement it does not await. Closed under them, the pool fails
 * those statements and the jobs stay active until they expire, then run
 * again.
 */
export class StatementsInFlight {
  private count = 0;

  watching(db: ClosableDb): ClosableDb {
    return {
      executeSql: (text, values) => this.track(db.executeSql(text, values)),
      close: () => db.close(),
    };
  }

  /** Counts `statement` as under way until it ends: ours, on the pool but not through pg-boss. */
  async track<T>(statement: Promise<T>): Promise<T> {
    this.count++;
    try {
      return await statement;
    } finally {
      this.count--;
    }
  }

  /**
   * Resolves once no statement is under way (true), or at `deadline`
   * (false). What a finished statement sets off (a fetch's batch, the
   * batch's end) starts its own statement within the same turn of the event
   * loop, so a look between two timers never falls in the gap.
   */
  settled(deadline: number): Promise<boolean> {
    return this.atMost(0, deadline);
  }

  /** Resolves once `n` statements or fewer are under way (true), or at `deadline` (false). */
  async atMost(n: number, deadline: number): Promise<boolean> {
    while (this.count > n) {
      if (Date.now() >= deadline) return false;
      await sleep(CHECK_EVERY_MS);
    }
    return true;
  }
}
