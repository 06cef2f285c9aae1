import type { JobContext, JobName, JobPayloads } from './job-payloads.js';

export interface JobSchedule {
  /** Five-field cron expression, e.g. '15 3 * * *' (minute resolution). */
  cron: string;
  /** IANA time zone of the cron expression; UTC by default. */
  tz?: string;
}

export interface JobHandlerOptions {
  /** Attempts after the first one before the job goes to the dead-letter queue. Default 3. */
  retryLimit?: number;
  /** Seconds before a retry. Default 5. */
  retryDelay?: number;
  /** Double the delay on every retry (with jitter). Default true. */
  retryBackoff?: boolean;
  /**
   * Seconds a job may stay active. A worker that dies mid-job leaves it
   * active; after this it is failed and retried. Default 300.
   */
  expireInSeconds?: number;
  /** Worker loops of this queue in one process; each polls when idle. Default 1. */
  concurrency?: number;
  /**
   * Jobs one loop fetches at once and runs side by side, so at most
   * concurrency x batchSize jobs of this queue run at the same time in one
   * process. A loop fetches again once its whole batch is done. Default 4.
   */
  batchSize?: number;
  /** Also enqueue the job on this schedule (one job per tick across all processes). */
  schedule?: JobSchedule;
}

export type JobHandlerFn<N extends JobName> = (
  payload: JobPayloads[N],
  job: JobContext,
) => Promise<unknown>;

export const JOB_HANDLER_METADATA = 'minishop:job-handler';

export interface JobHandlerMetadata {
  name: JobName;
  options: JobHandlerOptions;
}

/**
 * Marks a provider method as the handler of one job queue. The method is
 * found at start by JobHandlerExplorer, so a feature module only lists the
 * provider. The handler must be idempotent: it may run more than once for
 * the same job (a crash after its effect, a timeout, a redelivery).
 */
export function JobHandler<N extends JobName>(name: N, options: JobHandlerOptions = {}) {
  return <F extends JobHandlerFn<N>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): void => {
    const metadata: JobHandlerMetadata = { name, options };
    Reflect.defineMetadata(JOB_HANDLER_METADATA, metadata, descriptor.value as object);
  };
}
