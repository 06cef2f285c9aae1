import type { JobsStatus } from './jobs-status.service.js';

/** The `jobs:status` table: one line per queue, its dead letters, and a total. */
export function formatJobsStatus({ queues, totals }: JobsStatus): string {
  const header = ['queue', 'created', 'retry', 'active', 'completed', 'failed', 'dead-letter'];
  const lines = [...queues, { name: 'total', ...totals }].map((q) => [
    q.name,
    ...[q.created, q.retry, q.active, q.completed, q.failed, q.deadLetter].map(String),
  ]);
  const table = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const format = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return `${table.map(format).join('\n')}\n`;
}
