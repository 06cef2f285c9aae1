import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

import type { LoggerService } from '@nestjs/common';

import { errorMessage } from '../logging/error-message.js';

/** How often the file is touched; a health check calls the worker dead after a few missed beats. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** How long a beat waits for the database: a missed beat, not a stalled one. */
export const HEARTBEAT_PING_TIMEOUT_MS = 5_000;

/**
 * Touches a file while the job worker is alive and its database answers,
 * for a container health check: the worker has no HTTP port to ask. A
 * worker whose event loop is stuck, or that cannot reach PostgreSQL (so no
 * job can run), stops touching it, and the check, reading the file's age,
 * fails. A check that hangs holds the next beats back, which is the point.
 * Stopped, the worker removes the file at once, whatever a beat is doing.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly file: string,
    /** Resolves when the database answers. */
    private readonly check: () => Promise<unknown>,
    private readonly logger: LoggerService,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  start(): void {
    // A file an earlier worker left (killed outright) must not vouch for this one.
    this.remove();
    this.beating = this.beat();
    this.timer = setInterval(() => {
      // A check still waiting on a database that does not answer is not doubled.
      this.beating ??= this.beat();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Synchronous: the file is gone before the process can exit. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.remove();
  }

  private async beat(): Promise<void> {
    try {
      await this.check();
      if (this.stopped) return;
      await writeFile(this.file, `${new Date().toISOString()}\n`);
      // Stopped while writing: the write must not bring the file back.
      if (this.stopped) return this.remove();
      if (this.failing) this.logger.log?.(`Heartbeat ${this.file} touched again`, 'Worker');
      this.failing = false;
    } catch (error) {
      // Once per outage: the health check reports the rest.
      if (!this.failing && !this.stopped) {
        this.logger.warn(`Heartbeat ${this.file} not touched: ${errorMessage(error)}`, 'Worker');
      }
      this.failing = true;
    } finally {
      this.beating = undefined;
    }
  }

  private remove(): void {
    rmSync(this.file, { force: true });
  }
}
