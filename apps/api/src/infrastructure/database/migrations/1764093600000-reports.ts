import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Report exports: what was asked for and how far the worker got; the file lives under DATA_DIR. */
export class Reports1764093600000 implements MigrationInterface {
  name = 'Reports1764093600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reports (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind           text NOT NULL CHECK (kind IN ('sales')),
        status         text NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        period_from    timestamptz NOT NULL,
        period_to      timestamptz NOT NULL,
        row_count      integer,
        failure_reason text,
        created_by     uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        finished_at    timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reports');
  }
}
