import { readFile } from 'node:fs/promises';

import { SingleBar } from 'cli-progress';
import { Command, CommandRunner } from 'nest-commander';

import { withProgressBar } from '../infrastructure/runtime/progress-bar.js';
import { CatalogImportProcessor } from './catalog-import.processor.js';
import { CatalogImportService } from './catalog-import.service.js';

@Command({
  name: 'catalog:import',
  arguments: '<file>',
  description: 'Import products and variants from a CSV file (columns: see the README)',
})
export class CatalogImportCommand extends CommandRunner {
  constructor(
    private readonly imports: CatalogImportService,
    private readonly processor: CatalogImportProcessor,
  ) {
    super();
  }

  async run([file]: string[]): Promise<void> {
    const source = await readFile(file!);
    // Recorded like an upload (same table, same progress), but processed
    // here rather than by a worker, so the command ends when the import does.
    const created = await this.imports.record(source, null);
    const bar = new SingleBar({
      format: 'Importing rows [{bar}] {value}/{total}  ok {succeeded}  failed {failed}',
      hideCursor: true,
      stream: process.stdout,
    });
    try {
      await withProgressBar(bar, (progress) =>
        this.processor.run(created.id, (p) =>
          progress(p.processed, p.total, { succeeded: p.succeeded, failed: p.failed }),
        ),
      );
    } catch (error) {
      // No worker retries an import this command records: left as it is, it
      // would show as running for ever. (When the database is what failed,
      // this may fail too, and the error below is still the one reported.)
      await this.processor.giveUp(created.id).catch(() => undefined);
      throw error;
    }
    const done = await this.imports.get(created.id);
    const out = [
      `Import ${done.id}: ${done.status}${done.failureReason ? ` (${done.failureReason})` : ''}`,
      `Rows: ${done.processed} read, ${done.succeeded} imported, ${done.failed} refused`,
      ...done.errors.slice(0, 20).map((e) => `  line ${e.line}: ${e.message}`),
      ...(done.errors.length > 20 ? [`  ... and ${done.failed - 20} more`] : []),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    if (done.status === 'failed') process.exitCode = 1;
  }
}
