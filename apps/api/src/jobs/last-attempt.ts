import type { JobContext } from './job-payloads.js';

/**
 * Runs a job's work; if it throws on the last attempt `retryLimit` allows,
 * runs `giveUp` first (then rethrows): no attempt follows, so the record the
 * job was keeping (an import, a report) is failed now rather than at the
 * dead letter's turn. The dead-letter handler covers what never throws here
 * (an expired attempt, a worker that died).
 */
export async function givingUpAfterLastAttempt(
  job: JobContext,
  retryLimit: number,
  work: () => Promise<void>,
  giveUp: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (job.retryCount >= retryLimit) await giveUp();
    throw error;
  }
}
