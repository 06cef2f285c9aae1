import { Injectable } from '@nestjs/common';

import type { JobHandlerFn, JobHandlerOptions } from './job-handler.decorator.js';
import type { JobName } from './job-payloads.js';

export interface RegisteredJob {
  name: JobName;
  handler: JobHandlerFn<JobName>;
  options: Required<Omit<JobHandlerOptions, 'schedule'>> & Pick<JobHandlerOptions, 'schedule'>;
}

export const JOB_DEFAULTS = {
  retryLimit: 3,
  retryDelay: 5,
  retryBackoff: true,
  expireInSeconds: 300,
  concurrency: 1,
  batchSize: 4,
} as const;

/**
 * Every job handler of this process. Filled from @JobHandler methods at
 * module init (or by `register` from a feature's onModuleInit); read when
 * the queues are created and the workers start, on application bootstrap.
 */
@Injectable()
export class JobRegistry {
  private readonly jobs = new Map<JobName, RegisteredJob>();
  private frozen = false;

  register<N extends JobName>(
    name: N,
    handler: JobHandlerFn<N>,
    options: JobHandlerOptions = {},
  ): void {
    if (this.frozen) {
      throw new Error(
        `Job "${name}" registered after the workers started; register in onModuleInit`,
      );
    }
    if (this.jobs.has(name)) throw new Error(`Job "${name}" has two handlers`);
    this.jobs.set(name, {
      name,
      handler: handler as JobHandlerFn<JobName>,
      options: { ...JOB_DEFAULTS, ...options },
    });
  }

  get(name: JobName): RegisteredJob | undefined {
    return this.jobs.get(name);
  }

  all(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  freeze(): void {
    this.frozen = true;
  }
}
