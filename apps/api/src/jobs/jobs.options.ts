import type { AppConfig } from '../infrastructure/config/app-config.js';

/**
 * Knobs of the job runtime. Built from AppConfig; tests override the
 * provider to make polling and expiry fast.
 */
export class JobsOptions {
  /** Whether this process works jobs (API with RUN_WORKER=inline, or the worker). */
  work = true;
  /** PostgreSQL schema pg-boss creates and owns. */
  schema = 'pgboss';
  /** Connections of pg-boss' own pool; by default enough for every worker loop (see PgBossRuntime). */
  poolSize: number | undefined = undefined;
  /**
   * Idle wait between two empty fetches of one worker loop. Jobs enqueued in
   * this process wake its workers at commit; other processes wait this long.
   */
  pollingIntervalSeconds = 2;
  /** How often expired active jobs are failed (and so retried) and old jobs archived. */
  maintenanceIntervalSeconds = 30;
  /** On shutdown: time in-flight jobs get to finish before they are failed for retry. */
  shutdownGraceMs = 20_000;

  static fromConfig(config: AppConfig): JobsOptions {
    const options = new JobsOptions();
    options.work = config.runWorker === 'inline';
    options.shutdownGraceMs = config.jobsShutdownGraceMs;
    return options;
  }
}

export const deadLetterQueueOf = (name: string): string => `${name}.dlq`;

export const isDeadLetterQueue = (name: string): boolean => name.endsWith('.dlq');
