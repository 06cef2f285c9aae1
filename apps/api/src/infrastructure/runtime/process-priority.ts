import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of this whole process to `nice` (0-19);
 * never raises it (a process started nicer stays so: only root may raise).
 * The job worker runs with it so that, on a host it shares with the API and
 * PostgreSQL, a burst of requests gets the CPU first and the jobs it leaves
 * (mails, mostly) are worked in the gaps: their latency is not anyone's.
 *
 * On Linux the nice value belongs to each thread, and V8's and libuv's
 * threads already exist when this runs, so each thread is set; elsewhere it
 * is the process's.
 */
export function lowerProcessPriority(nice: number): void {
  if (nice <= 0) return;
  let threads: number[] = [];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // not Linux: the call below sets the process
  }
  if (threads.length === 0) {
    if (getPriority() < nice) setPriority(nice);
    return;
  }
  for (const tid of threads) {
    try {
      if (getPriority(tid) < nice) setPriority(tid, nice);
    } catch {
      // the thread ended since the listing
    }
  }
}
