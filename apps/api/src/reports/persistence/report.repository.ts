import type { ReportStatus, SalesReportDto } from '@minishop/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

interface ReportRow {
  id: string;
  status: ReportStatus;
  period_from: Date;
  period_to: Date;
  row_count: number | null;
  failure_reason: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface ReportRecord {
  id: string;
  status: ReportStatus;
  from: Date;
  to: Date;
  rowCount: number | null;
  failureReason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export function toSalesReportDto(r: ReportRecord): SalesReportDto {
  return {
    id: r.id,
    status: r.status,
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    rowCount: r.rowCount,
    downloadUrl: r.status === 'completed' ? `/api/v1/admin/reports/${r.id}/download` : null,
    failureReason: r.failureReason,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

/** The `reports` table; writes run in the caller's transaction. */
@Injectable()
export class ReportRepository {
  async create(
    m: EntityManager,
    period: { from: Date; to: Date },
    createdBy: string | null,
  ): Promise<string> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO reports (kind, period_from, period_to, created_by)
       VALUES ('sales', $1, $2, $3) RETURNING id`,
      [period.from, period.to, createdBy],
    );
    return rows[0]!.id;
  }

  async find(m: EntityManager, id: string): Promise<ReportRecord | null> {
    const rows: ReportRow[] = await m.query(
      `SELECT id, status, period_from, period_to, row_count, failure_reason, created_at, finished_at
         FROM reports WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id,
          status: r.status,
          from: r.period_from,
          to: r.period_to,
          rowCount: r.row_count,
          failureReason: r.failure_reason,
          createdAt: r.created_at,
          finishedAt: r.finished_at,
        }
      : null;
  }

  async markRunning(m: EntityManager, id: string): Promise<void> {
    await m.query("UPDATE reports SET status = 'running' WHERE id = $1", [id]);
  }

  /**
   * Only a report not completed meanwhile (a late duplicate run) is marked
   * failed, and one failed already keeps the time it failed: the last
   * attempt's error and its dead letter both give the report up.
   */
  async fail(m: EntityManager, id: string, reason: string): Promise<void> {
    await m.query(
      `UPDATE reports SET status = 'failed', failure_reason = $2, finished_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, reason],
    );
  }

  async complete(m: EntityManager, id: string, rowCount: number): Promise<void> {
    await m.query(
      "UPDATE reports SET status = 'completed', row_count = $2, finished_at = now() WHERE id = $1",
      [id, rowCount],
    );
  }
}
