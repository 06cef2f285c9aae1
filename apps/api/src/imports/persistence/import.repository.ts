import type { CatalogImportDto, ImportRowErrorDto, ImportStatus } from '@minishop/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

interface ImportRow {
  id: string;
  status: ImportStatus;
  total_rows: number | null;
  processed: number;
  succeeded: number;
  failed: number;
  errors: ImportRowErrorDto[];
  failure_reason: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface ImportProgress {
  processed: number;
  succeeded: number;
  failed: number;
  /** Errors to append (already capped by the caller). */
  errors: ImportRowErrorDto[];
}

/** Who works an import: its queue's job (an upload), or the `catalog:import` command. */
export type ImportRunner = 'job' | 'cli';

const COLUMNS = `id, status, total_rows, processed, succeeded, failed, errors, failure_reason,
  created_at, started_at, finished_at`;

function toDto(r: ImportRow): CatalogImportDto {
  return {
    id: r.id,
    status: r.status,
    totalRows: r.total_rows,
    processed: r.processed,
    succeeded: r.succeeded,
    failed: r.failed,
    errors: r.errors,
    failureReason: r.failure_reason,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** The `imports` table; every write runs in the caller's transaction. */
@Injectable()
export class ImportRepository {
  async create(
    m: EntityManager,
    source: string,
    createdBy: string | null,
    runBy: ImportRunner,
  ): Promise<string> {
    const rows: { id: string }[] = await m.query(
      'INSERT INTO imports (source, created_by, run_by) VALUES ($1, $2, $3) RETURNING id',
      [source, createdBy, runBy],
    );
    return rows[0]!.id;
  }

  async find(m: EntityManager, id: string): Promise<CatalogImportDto | null> {
    const rows: ImportRow[] = await m.query(`SELECT ${COLUMNS} FROM imports WHERE id = $1`, [id]);
    return rows[0] ? toDto(rows[0]) : null;
  }

  async source(
    m: EntityManager,
    id: string,
  ): Promise<{ source: string; createdBy: string | null } | null> {
    const rows: { source: string; created_by: string | null }[] = await m.query(
      'SELECT source, created_by FROM imports WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return row ? { source: row.source, createdBy: row.created_by } : null;
  }

  async start(m: EntityManager, id: string, totalRows: number): Promise<void> {
    await m.query(
      `UPDATE imports SET status = 'running', total_rows = $2,
         started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1`,
      [id, totalRows],
    );
  }

  /**
   * Locks the import's progress until commit and returns the lines processed
   * so far and whether it has ended, so a batch is applied by one attempt
   * only, and none once the import is over.
   */
  async lockProgress(
    m: EntityManager,
    id: string,
  ): Promise<{ processed: number; ended: boolean } | undefined> {
    const rows: { processed: number; ended: boolean }[] = await m.query(
      `SELECT processed, status IN ('completed', 'failed') AS ended
         FROM imports WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0];
  }

  /**
   * Adds one batch's counts; written in the batch's own transaction, last.
   * Moved at the time of the write, not the transaction's start: after a
   * batch that waited long on another writer's lock, now() would say the
   * import had been idle since the wait began, and the abandoned-import
   * sweep could fail a command still at work.
   */
  async advance(m: EntityManager, id: string, p: ImportProgress): Promise<void> {
    await m.query(
      `UPDATE imports SET processed = processed + $2, succeeded = succeeded + $3,
         failed = failed + $4, errors = errors || $5::jsonb, updated_at = clock_timestamp()
       WHERE id = $1`,
      [id, p.processed, p.succeeded, p.failed, JSON.stringify(p.errors)],
    );
  }

  /** Fails an import that has not finished; one that has is left as it ended. */
  async giveUp(m: EntityManager, id: string, reason: string): Promise<void> {
    await m.query(
      `UPDATE imports SET status = 'failed', failure_reason = $2, finished_at = now(),
         updated_at = now()
       WHERE id = $1 AND status NOT IN ('completed', 'failed')`,
      [id, reason],
    );
  }

  /**
   * Fails the unfinished imports the command line works that have not moved
   * for `idleSeconds` (each batch moves one); returns their ids. An import
   * whose row is locked has a batch in flight, or one whose command died
   * with its transaction still open: it is skipped, not waited for, or one
   * such transaction (kept open until the server notices its client gone,
   * hours with default keepalives) would hold every sweep behind it, each
   * with a pool connection.
   */
  async failAbandoned(m: EntityManager, idleSeconds: number, reason: string): Promise<string[]> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows]: [{ id: string }[], number] = await m.query(
      `UPDATE imports SET status = 'failed', failure_reason = $2, finished_at = now(),
         updated_at = now()
       WHERE id IN (SELECT id FROM imports
                     WHERE run_by = 'cli' AND status IN ('queued', 'running')
                       AND updated_at < now() - $1 * interval '1 second'
                       FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [idleSeconds, reason],
    );
    return rows.map((r) => r.id);
  }

  /** Ends an import that has not ended: one failed meanwhile (given up, or swept) stays failed. */
  async finish(
    m: EntityManager,
    id: string,
    status: 'completed' | 'failed',
    reason: string | null,
  ): Promise<void> {
    await m.query(
      `UPDATE imports SET status = $2, failure_reason = $3, finished_at = now(), updated_at = now()
       WHERE id = $1 AND status NOT IN ('completed', 'failed')`,
      [id, status, reason],
    );
  }
}
