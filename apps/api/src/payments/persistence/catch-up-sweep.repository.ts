/**
 * Port of where the catch-up's sweep through the provider's undelivered
 * events stands, shared by every process that runs it (the worker's job,
 * `payments:catch-up`).
 */
export abstract class CatchUpSweepRepository {
  /** The last event the previous run listed, when it stopped short of the end; null: from the newest. */
  abstract resumeAfter(): Promise<string | null>;

  abstract saveResumeAfter(eventId: string | null): Promise<void>;
}
