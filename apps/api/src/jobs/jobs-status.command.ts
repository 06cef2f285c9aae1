import { Command, CommandRunner } from 'nest-commander';

import { JobsStatusService } from './jobs-status.service.js';

@Command({
  name: 'jobs:status',
  description: 'Print per-queue job counts: waiting, retrying, active, failed, dead-lettered',
})
export class JobsStatusCommand extends CommandRunner {
  constructor(private readonly jobs: JobsStatusService) {
    super();
  }

  async run(): Promise<void> {
    const { queues, totals } = await this.jobs.status();
    const header = ['queue', 'created', 'retry', 'active', 'completed', 'failed', 'dead-letter'];
    const lines = [...queues, { name: 'total', ...totals }].map((q) => [
      q.name,
      String(q.created),
      String(q.retry),
      String(q.active),
      String(q.completed),
      String(q.failed),
      String(q.deadLetter),
    ]);
    const table = [header, ...lines];
    const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
    const format = (row: string[]) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ');
    process.stdout.write(`${table.map(format).join('\n')}\n`);
  }
}
