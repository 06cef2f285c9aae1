import { readFile } from 'node:fs/promises';

import type { OnModuleDestroy } from '@nestjs/common';
import { SingleBar } from 'cli-progress';
import { Command, CommandRunner } from 'nest-commander';

import { withProgressBar } from '../infrastructure/runtime/progress-bar.js';
import { CatalogImportProcessor } from './catalog-import.processor.js';
import { CatalogImportService } from './catalog-import.service.js';

const INTERRUPTED =
  'The import was interrupted before the end of the file; run catalog:import again to import the rest';

@Command({
  name: 'catalog:import',
  arguments: '<file>',
  description: 'Import products and variants from a CSV file (columns: see the README)',
})
export class CatalogImportCommand extends CommandRunner implements OnModuleDestroy {
  /** Aborted when a stop signal closes the app while the command runs. */
  private stop: AbortController | undefined;
  /** The import under way, from its record to its outcome in the database. */
  private importing: Promise<void> | undefined;

  constructor(
    private readonly imports: CatalogImportService,
    private readonly processor: CatalogImportProcessor,
  ) {
    super();
  }

  async run([file]: string[]): Promise<void> {
    this.stop = new AbortController();
    const source = await readFile(file!);
    // Stopped while reading (a pipe may never end): the app is closing, and
    // nothing was recorded to account for.
    if (this.stop.signal.aborted) return;
    this.importing = this.import(source, this.stop.signal);
    await this.importing;
  }

  /**
   * A stop signal closes the app (exitCommandOnSignals), and Nest runs this
   * before any shutdown hook, so before the pool closes: the import stops
   * after the batch in flight and is marked failed while it still can be.
   * No job retries an import this command records; cut off by the closed
   * pool, it would show as running for ever.
   */
  async onModuleDestroy(): Promise<void> {
    this.stop?.abort();
    await this.importing?.catch(() => undefined);
  }

  private async import(source: Buffer, stop: AbortSignal): Promise<void> {
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
        this.processor.run(
          created.id,
          (p) => progress(p.processed, p.total, { succeeded: p.succeeded, failed: p.failed }),
          stop,
        ),
      );
    } catch (error) {
      if (!stop.aborted) {
        // No worker retries an import this command records: left as it is,
        // it would show as running for ever. (When the database is what
        // failed, this may fail too, and the error below is still the one
        // reported.)
        await this.processor.giveUp(created.id).catch(() => undefined);
        throw error;
      }
      // Interrupted: the summary below says how far it got.
      await this.processor.giveUp(created.id, INTERRUPTED);
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
