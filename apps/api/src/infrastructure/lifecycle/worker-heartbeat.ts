import { rm, writeFile } from 'node:fs/promises';

import type { LoggerService } from '@nestjs/common';

import { errorMessage } from '../logging/error-message.js';

/** How often the file is touched; a health check calls the worker dead after a few missed beats. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * Touches a file while the job worker is alive and its database answers,
 * for a container health check: the worker has no HTTP port to ask. A
 * worker whose event loop is stuck, or that cannot reach PostgreSQL (so no
 * job can run), stops touching it, and the check, reading the file's age,
 * fails. Stopped, the worker removes it.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly file: string,
    /** Resolves when the database answers. */
    private readonly check: () => Promise<unknown>,
    private readonly logger: LoggerService,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  start(): void {
    this.beating = this.beat();
    this.timer = setInterval(() => {
      // A check still waiting on a database that does not answer is not doubled.
      this.beating ??= this.beat();
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await rm(this.file, { force: true });
  }

  private async beat(): Promise<void> {
    try {
      await this.check();
      await writeFile(this.file, `${new Date().toISOString()}\n`);
      if (this.failing) this.logger.log?.(`Heartbeat ${this.file} touched again`, 'Worker');
      this.failing = false;
    } catch (error) {
      // Once per outage: the health check reports the rest.
      if (!this.failing) {
        this.logger.warn(`Heartbeat ${this.file} not touched: ${errorMessage(error)}`, 'Worker');
      }
      this.failing = true;
    } finally {
      this.beating = undefined;
    }
  }
}
