import { readdirSync, readFileSync } from 'node:fs';

import { sleep } from './api-process.js';

/** Pids of processes whose command line mentions `text` (e.g. a data directory). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` (bounded by attempts, not by a clock assertion). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  attempts = 200,
): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}
