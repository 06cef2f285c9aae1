/**
 * Port of the catch-up's sweep through the provider's undelivered events,
 * shared by every process that runs it (the worker's job, `payments:catch-up`):
 * who is at it, and where it stands.
 */
export abstract class CatchUpSweepRepository {
  /**
   * Runs `work` unless a catch-up run of any process is at work: then null
   * at once. Two runs side by side would list the same events and take
   * them in twice over.
   */
  abstract exclusively<T>(work: () => Promise<T>): Promise<T | null>;

  /** The last event the previous run listed, when it stopped short of the end; null: from the newest. */
  abstract resumeAfter(): Promise<string | null>;

  abstract saveResumeAfter(eventId: string | null): Promise<void>;
}
