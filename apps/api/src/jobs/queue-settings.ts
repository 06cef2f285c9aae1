import type PgBoss from 'pg-boss';

import type { RegisteredJob } from './job-registry.js';
import { deadLetterQueueOf } from './jobs.options.js';

/** What a registered handler's queue is created and updated with. */
export type QueueSettings = PgBoss.Queue & { name: string; deadLetter: string };

export function queueSettingsOf(job: RegisteredJob): QueueSettings {
  return {
    name: job.name,
    retryLimit: job.options.retryLimit,
    retryDelay: job.options.retryDelay,
    retryBackoff: job.options.retryBackoff,
    expireInSeconds: job.options.expireInSeconds,
    deadLetter: deadLetterQueueOf(job.name),
  };
}

/**
 * Whether a job's queue and its dead-letter queue exist with the settings
 * the code declares, as read by `getQueues()`: then creating and updating
 * them again (three round trips per queue, under the setup lock) changes
 * nothing. Queues are created with pg-boss' default policy.
 */
export function queueIsCurrent(
  stored: ReadonlyMap<string, PgBoss.QueueResult>,
  settings: QueueSettings,
): boolean {
  const queue = stored.get(settings.name);
  return (
    stored.has(settings.deadLetter) &&
    queue !== undefined &&
    queue.policy === 'standard' &&
    queue.retryLimit === settings.retryLimit &&
    queue.retryDelay === settings.retryDelay &&
    queue.retryBackoff === settings.retryBackoff &&
    queue.expireInSeconds === settings.expireInSeconds &&
    queue.deadLetter === settings.deadLetter
  );
}
