import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Catalog imports: the uploaded file and the progress the worker records per batch. */
export class CatalogImports1764090000000 implements MigrationInterface {
  name = 'CatalogImports1764090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind           text NOT NULL DEFAULT 'catalog' CHECK (kind IN ('catalog')),
        status         text NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        -- The file itself, so any worker can process it without a shared disk.
        source         text NOT NULL,
        total_rows     integer,
        processed      integer NOT NULL DEFAULT 0,
        succeeded      integer NOT NULL DEFAULT 0,
        failed         integer NOT NULL DEFAULT 0,
        errors         jsonb NOT NULL DEFAULT '[]',
        failure_reason text,
        created_by     uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        started_at     timestamptz,
        finished_at    timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX imports_created_idx ON imports (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE imports');
  }
}
