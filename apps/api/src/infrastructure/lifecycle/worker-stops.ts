// Past its grace a signalled worker still closes its pool and an embedded
// server (graceful-shutdown.ts): this much more before it counts as stuck.
const STOP_MARGIN_MS = 10_000;
// A worker signalled before it serves first finishes building its app (its
// modules, the pools, migrations), then skips the rest of its start and
// stops: seconds on an idle host, past 20 s on a loaded one, where a
// deadline of the grace alone killed both workers of a stop that came
// while they were starting.
const START_MS = 60_000;
// Saying it handles SIGTERM takes a worker Node's own start and two small
// modules (cluster.ts): under a second, a few on a loaded host. One that has
// not said so in this long is hung; the deadline still allows for a whole
// stop after it, as if it had spoken up at the last moment.
const READY_MS = 30_000;

/** What stopping needs of a cluster worker. */
export interface StoppableWorker {
  readonly id: number;
  readonly process: { kill(signal: NodeJS.Signals): unknown };
}

/**
 * The cluster primary's stop: each worker is sent SIGTERM, and SIGKILLed if
 * it is still alive `graceMs` + STOP_MARGIN_MS after its own SIGTERM. A
 * worker still loading its first modules would die of SIGTERM at once, so it
 * is signalled only when it says it handles it (`handlesStop`), which on a
 * loaded host can come seconds after the primary's own signal: counting its
 * deadline from that signal would kill it in the middle of a graceful stop.
 * One that does not serve yet also gets the time to finish its start.
 */
export class WorkerStops {
  private stopping = false;
  private readonly handling = new Set<number>();
  private readonly serving = new Set<number>();
  private readonly deadlines = new Map<number, NodeJS.Timeout>();

  constructor(private readonly graceMs: number) {}

  /** The worker now shuts down gracefully on SIGTERM (STOP_SIGNAL_HANDLED). */
  handlesStop(worker: StoppableWorker): void {
    this.handling.add(worker.id);
    if (this.stopping) this.signal(worker);
  }

  /** The worker has started: it listens (cluster's `listening`). */
  serves(worker: StoppableWorker): void {
    this.serving.add(worker.id);
  }

  /** Tells the workers to stop: those not handling SIGTERM yet once they do. */
  stopAll(workers: Iterable<StoppableWorker | undefined>): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const worker of workers) {
      if (!worker) continue;
      if (this.handling.has(worker.id)) this.signal(worker);
      else this.killAfter(worker, READY_MS + START_MS + this.graceMs + STOP_MARGIN_MS);
    }
  }

  exited(worker: StoppableWorker): void {
    this.handling.delete(worker.id);
    this.serving.delete(worker.id);
    clearTimeout(this.deadlines.get(worker.id));
    this.deadlines.delete(worker.id);
  }

  private signal(worker: StoppableWorker): void {
    worker.process.kill('SIGTERM');
    const start = this.serving.has(worker.id) ? 0 : START_MS;
    this.killAfter(worker, start + this.graceMs + STOP_MARGIN_MS);
  }

  private killAfter(worker: StoppableWorker, ms: number): void {
    clearTimeout(this.deadlines.get(worker.id));
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), ms);
    // The primary exits once its workers are gone, not when a deadline ends.
    timer.unref();
    this.deadlines.set(worker.id, timer);
  }
}
