import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency records of job handlers: one row per effect already applied,
 * keyed by a business key, written in the same transaction as the effect.
 */
export class ProcessedJobs1764000000000 implements MigrationInterface {
  name = 'ProcessedJobs1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE processed_jobs (
        key text PRIMARY KEY,
        job_id uuid,
        processed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX processed_jobs_processed_at_idx ON processed_jobs (processed_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE processed_jobs');
  }
}
