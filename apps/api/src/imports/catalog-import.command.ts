import { readFile } from 'node:fs/promises';

import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { SingleBar } from 'cli-progress';
import { Command, CommandRunner } from 'nest-commander';

import { HOOKS_DEADLINE_MS } from '../infrastructure/lifecycle/graceful-shutdown.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { withProgressBar } from '../infrastructure/runtime/progress-bar.js';
import { CatalogImportProcessor } from './catalog-import.processor.js';
import { CatalogImportService } from './catalog-import.service.js';

const INTERRUPTED =
  'The import was interrupted before the end of the file; run catalog:import again to import the rest';

/**
 * How long the batch in flight at a stop signal may take to commit before
 * it is cancelled: half the process's deadline, the other half left to
 * mark the import.
 */
const BATCH_GRACE_MS = HOOKS_DEADLINE_MS / 2;

/** What aborts an import's signals (see ImportStop). */
type Stop = { afterBatch: AbortController; now: AbortController };

@Command({
  name: 'catalog:import',
  arguments: '<file>',
  description: 'Import products and variants from a CSV file (columns: see the README)',
})
export class CatalogImportCommand extends CommandRunner implements OnModuleDestroy {
  private readonly logger = new Logger(CatalogImportCommand.name);
  /** Aborted when a stop signal closes the app while the command runs (see onModuleDestroy). */
  private stop: Stop | undefined;
  /** The import under way, from its record to its outcome in the database. */
  private importing: Promise<void> | undefined;

  constructor(
    private readonly imports: CatalogImportService,
    private readonly processor: CatalogImportProcessor,
  ) {
    super();
  }

  async run([file]: string[]): Promise<void> {
    const stop: Stop = { afterBatch: new AbortController(), now: new AbortController() };
    this.stop = stop;
    const source = await readFile(file!);
    // Stopped while reading (a pipe may never end): the app is closing, and
    // nothing was recorded to account for.
    if (stop.afterBatch.signal.aborted) return;
    this.importing = this.import(source, stop);
    await this.importing;
  }

  /**
   * A stop signal closes the app (exitCommandOnSignals), and Nest runs this
   * before any shutdown hook, so before the pool closes: the import stops
   * after the batch in flight and is marked failed while it still can be.
   * No job retries an import this command records, and no later run or
   * reader could tell it from one still under way: cut off by the process's
   * deadline, it would show as running for ever.
   *
   * So a batch that has not committed within BATCH_GRACE_MS (it waits on a
   * row lock another transaction holds, or the disk is slow) is cancelled:
   * it rolls back with its counts, the import is marked interrupted at
   * once, and running the file again imports the batch. Cancelling rather
   * than waiting longer: whoever pressed Ctrl-C expects the command to stop
   * now, and a batch is at most IMPORT_BATCH_SIZE lines of work lost.
   *
   * An import the API's job works needs none of this: its queue owns it,
   * and a batch cut off there is retried from the last committed batch, or
   * dead-lettered and given up (CatalogImportHandler).
   */
  async onModuleDestroy(): Promise<void> {
    // Not running, or never constructed (CliArgumentsModule).
    const stop = this.stop;
    if (!stop) return;
    stop.afterBatch.abort();
    const cut = setTimeout(() => stop.now.abort(), BATCH_GRACE_MS);
    try {
      await this.importing?.catch(() => undefined);
    } finally {
      clearTimeout(cut);
    }
  }

  private async import(source: Buffer, stop: Stop): Promise<void> {
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
          { afterBatch: stop.afterBatch.signal, now: stop.now.signal },
        ),
      );
    } catch (error) {
      if (!stop.afterBatch.signal.aborted) {
        // No worker retries an import this command records: left as it is,
        // it would show as running for ever. (When the database is what
        // failed, this may fail too, and the error below is still the one
        // reported.)
        await this.processor.giveUp(created.id).catch(() => undefined);
        throw error;
      }
      // Interrupted: the summary below says how far it got. Unless the
      // import cannot be marked (the connection lost): that, not the
      // interruption, is what to report, and nothing else will report it,
      // the signal deciding how the command ends.
      try {
        await this.processor.giveUp(created.id, INTERRUPTED);
      } catch (giveUpError) {
        this.logger.error(
          `Import ${created.id} was interrupted but could not be marked failed: ` +
            `${errorMessage(giveUpError)}. ` +
            'It shows as running until the worker fails it as abandoned (within 25 minutes); run catalog:import again to import the rest',
        );
        return;
      }
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
