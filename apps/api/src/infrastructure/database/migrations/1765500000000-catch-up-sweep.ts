import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the catch-up on undelivered payment events stands in its sweep
 * through the provider's listing: one row, shared by every process that
 * runs it. A run lists a bounded number of pages, so one that stops short
 * of the end leaves the id of the last event it listed for the next run to
 * go on after; without it each run would read the same newest pages again
 * and never reach older events.
 */
export class CatchUpSweep1765500000000 implements MigrationInterface {
  name = 'CatchUpSweep1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_catch_up_sweep (
        id           boolean PRIMARY KEY DEFAULT true CHECK (id),
        resume_after text,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE payment_catch_up_sweep');
  }
}
