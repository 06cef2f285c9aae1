/** How the primary takes a worker's death. */
export type DeathVerdict = { restartAfterMs: number } | 'give-up';

// Past the window a death no longer counts towards giving up.
const CRASH_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 500;

/**
 * Decides, for each worker that dies, whether the primary forks another or
 * gives up: more than `maxDeaths` deaths within a minute, or as many workers
 * in a row that died before they ever listened, however long each took to
 * fail, mean the workers cannot start (a wrong setting, a database that
 * refuses or times out) and forking again fixes nothing. Counting by time
 * alone missed the slow case: workers that each took 14 s to fail on an
 * unreachable host were forked for ever.
 */
export class WorkerDeaths<W extends object> {
  private readonly deaths: number[] = [];
  private readonly listened = new WeakSet<W>();
  private failedStarts = 0;

  constructor(private readonly maxDeaths: number) {}

  /** The worker is serving: it started, whatever comes later. */
  listening(worker: W): void {
    this.listened.add(worker);
    this.failedStarts = 0;
  }

  died(worker: W, now: number): DeathVerdict {
    this.deaths.push(now);
    while ((this.deaths[0] ?? now) < now - CRASH_WINDOW_MS) this.deaths.shift();
    if (!this.listened.has(worker)) this.failedStarts++;
    if (this.deaths.length > this.maxDeaths || this.failedStarts > this.maxDeaths) return 'give-up';
    // Back off a little more for each recent death.
    return { restartAfterMs: RESTART_DELAY_MS * this.deaths.length };
  }

  /** What the give-up log line reports. */
  counts(): { deaths: number; failedStarts: number } {
    return { deaths: this.deaths.length, failedStarts: this.failedStarts };
  }
}
