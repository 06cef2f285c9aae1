import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who works an import: its job ('job', an upload: the queue retries it or
 * gives it up) or the command line ('cli', `catalog:import`, which marks it
 * failed when stopped). A command killed outright (SIGKILL, a lost machine)
 * marks nothing, and its import would show as running for ever: those are
 * the ones a sweep fails once they stop moving.
 */
export class ImportRunner1765400000000 implements MigrationInterface {
  name = 'ImportRunner1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE imports ADD COLUMN run_by text NOT NULL DEFAULT 'job' CHECK (run_by IN ('job', 'cli'))`,
    );
    // Unfinished imports from before: the command recorded its own without
    // an actor, an upload names its admin (while the account exists).
    await q.query(
      `UPDATE imports SET run_by = 'cli' WHERE created_by IS NULL AND status IN ('queued', 'running')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE imports DROP COLUMN run_by');
  }
}
