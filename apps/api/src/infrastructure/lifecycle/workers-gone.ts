/**
 * What the cluster primary needs of `node:cluster` to know when its workers
 * are gone: the workers still listed, and the events that change the list.
 */
export interface WorkerRoster {
  readonly workers?: NodeJS.Dict<unknown>;
  on(event: 'exit' | 'disconnect', listener: () => void): unknown;
}

/**
 * Runs `done` once, as soon as a stop is under way (`watch()`) and no worker
 * is left. Node lists a worker in `cluster.workers` until its process has
 * exited and its IPC channel has disconnected, and emits `exit` and
 * `disconnect` in either order: a worker that exits before it disconnects is
 * still listed during its `exit` event, so both events are watched, and
 * whichever comes last finds the list empty.
 */
export class WorkersGone {
  private watching = false;
  private done: (() => void) | undefined;

  constructor(
    private readonly roster: WorkerRoster,
    done: () => void,
  ) {
    this.done = done;
    roster.on('exit', () => this.check());
    roster.on('disconnect', () => this.check());
  }

  /** From now on `done` runs once no worker is left: at once if none is. */
  watch(): void {
    this.watching = true;
    this.check();
  }

  private check(): void {
    if (!this.watching || this.done === undefined) return;
    if (Object.keys(this.roster.workers ?? {}).length > 0) return;
    const done = this.done;
    this.done = undefined;
    done();
  }
}
