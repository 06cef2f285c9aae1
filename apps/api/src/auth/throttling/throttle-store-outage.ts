import type { LoggerService } from '@nestjs/common';

import type { Clock } from '../../infrastructure/clock/clock.js';

/**
 * A flapping store (answers, times out, answers) starts a new outage at
 * each failure: after a warning, further ones wait this long.
 */
export const OUTAGE_WARNING_INTERVAL_MS = 60_000;

/**
 * What a login does while the shared counter store is unavailable. Kept
 * from the start: neither refused (fail closed would lock every customer
 * out during a Redis outage) nor unlimited; each process counts on its own.
 */
export const THROTTLE_STORE_FAILURE_MODE = {
  failMode: 'open',
  fallback: 'process-memory',
} as const;

/**
 * Tells the log once per outage that the login throttle's store (Redis)
 * does not answer and how logins go on meanwhile, and once that it answers
 * again; never once per request or per reconnect attempt. An outage begins
 * at a failed command or connection and ends at the next command that
 * succeeds.
 */
export class ThrottleStoreOutage {
  private down = false;
  /** Whether the current outage was logged, so its end is logged too. */
  private announced = false;
  private lastWarningAt: number | undefined;
  /** Outages begun and ended within the quiet interval, told with the next warning. */
  private unannounced = 0;

  constructor(
    private readonly logger: Pick<LoggerService, 'warn' | 'log'>,
    private readonly clock: Clock,
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    const now = this.clock.now().getTime();
    if (this.lastWarningAt !== undefined && now - this.lastWarningAt < OUTAGE_WARNING_INTERVAL_MS) {
      this.unannounced += 1;
      return;
    }
    this.lastWarningAt = now;
    this.announced = true;
    this.logger.warn(
      {
        err: error,
        store: 'redis',
        ...THROTTLE_STORE_FAILURE_MODE,
        ...(this.unannounced > 0 ? { outagesSinceLastWarning: this.unannounced } : {}),
      },
      'login throttle store (Redis) unavailable; failing open: logins go on, each API process ' +
        'counts the login limits in its own memory until Redis answers again',
    );
    this.unannounced = 0;
  }

  answered(): void {
    if (!this.down) return;
    this.down = false;
    if (!this.announced) return;
    this.announced = false;
    this.logger.log(
      { store: 'redis' },
      'login throttle store (Redis) answers again; login limits are shared again',
    );
  }
}
