import { IMPORT_MAX_REPORTED_ERRORS, type ImportRowErrorDto } from '@minishop/contracts';
import {
  assertImportHeader,
  assertImportStock,
  type CatalogImportRow,
  DomainError,
  ImportNotFoundError,
  MAX_VARIANTS_PER_PRODUCT,
  parseCatalogImportRow,
  VariantLimitError,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { CatalogChanges } from '../catalog/cache/catalog-changes.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { cancelOnAbort } from '../infrastructure/database/cancel-on-abort.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { storablePrefix } from '../infrastructure/database/unstorable-text.js';
import { type SourceRecord, sourceRecords } from './catalog-import-source.js';
import { CatalogUpsertRepository } from './persistence/catalog-upsert.repository.js';
import { ImportRepository } from './persistence/import.repository.js';

/** Rows per transaction: large enough to amortise round trips, small enough for short locks. */
export const IMPORT_BATCH_SIZE = 500;

export interface ImportProgressEvent {
  processed: number;
  total: number;
  succeeded: number;
  failed: number;
}

/** How a caller that processes an import itself stops it (the CLI, on a stop signal). */
export interface ImportStop {
  /** Aborted: no further batch begins. */
  afterBatch: AbortSignal;
  /** Aborted: the batch in flight is cancelled, and rolls back with its counts. */
  now: AbortSignal;
}

type Pending = { line: number; row: CatalogImportRow } | { line: number; error: string };

/**
 * Processes one recorded import: streams the file, checks each line with the
 * catalog rules, and upserts products (by slug) and variants (by SKU) in
 * batches, each batch one transaction that also advances the progress. A
 * redelivered job resumes after the last committed batch, so counts are
 * never doubled and nothing is written twice.
 */
@Injectable()
export class CatalogImportProcessor {
  private readonly logger = new Logger(CatalogImportProcessor.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly imports: ImportRepository,
    private readonly upserts: CatalogUpsertRepository,
    private readonly changes: CatalogChanges,
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Once `stop.afterBatch` is aborted no further batch begins: run rejects
   * with its reason, the batches committed so far staying in, as after any
   * failure. `stop.now` also cancels the batch in flight, which then rejects.
   */
  async run(
    importId: string,
    onProgress?: (progress: ImportProgressEvent) => void,
    stop?: ImportStop,
  ): Promise<void> {
    const m = this.dataSource.manager;
    const state = await this.imports.find(m, importId);
    if (!state) throw new ImportNotFoundError(importId);
    if (state.status === 'completed' || state.status === 'failed') return;
    const file = (await this.imports.source(m, importId))!;
    const source = file.source;

    let total: number;
    try {
      total = await countRows(source);
    } catch (error) {
      // A wrong header never gets better on a retry: the import fails for good.
      if (!(error instanceof DomainError)) throw error;
      await this.tx.run((t) => this.imports.finish(t, importId, 'failed', error.message));
      return;
    }
    await this.tx.run((t) => this.imports.start(t, importId, total));

    const counts = { processed: state.processed, succeeded: state.succeeded, failed: state.failed };
    let storedErrors = state.errors.length;
    const seenSkus = new Map<string, number>();
    let batch: Pending[] = [];
    /** The batch, with its counts, in the transaction of `t`; null if another attempt has moved on. */
    const apply = async (t: EntityManager) => {
      // pg-boss delivers at least once: a job that expired while its first
      // attempt still runs is run again beside it. Without this lock both
      // would apply the batch and add its counts. An import failed meanwhile
      // (given up, or swept as abandoned while its command was paused) takes
      // no more batches: whoever saw it fail may already be importing again.
      const progress = await this.imports.lockProgress(t, importId);
      if (!progress || progress.ended || progress.processed !== counts.processed) return null;
      const result = await this.applyBatch(t, batch, file.createdBy);
      await this.changes.record(t);
      const errors = result.errors.slice(0, Math.max(0, IMPORT_MAX_REPORTED_ERRORS - storedErrors));
      await this.imports.advance(t, importId, {
        processed: batch.length,
        succeeded: result.succeeded,
        failed: result.errors.length,
        errors,
      });
      return { ...result, stored: errors.length };
    };
    /** False when another attempt of this import has moved on: this one stops. */
    const flush = async (): Promise<boolean> => {
      stop?.afterBatch.throwIfAborted();
      const outcome = await this.tx.run((t) =>
        stop ? cancelOnAbort(this.dataSource, t, stop.now, () => apply(t)) : apply(t),
      );
      if (!outcome) return false;
      storedErrors += outcome.stored;
      counts.processed += batch.length;
      counts.succeeded += outcome.succeeded;
      counts.failed += outcome.errors.length;
      batch = [];
      onProgress?.({ ...counts, total });
      return true;
    };

    let index = 0;
    for await (const record of dataRecords(source)) {
      const pending = this.check(record, seenSkus);
      // Rows committed by an earlier attempt are only read, to know their SKUs.
      if (index++ < state.processed) continue;
      batch.push(pending);
      if (batch.length >= IMPORT_BATCH_SIZE && !(await flush())) return this.superseded(importId);
    }
    if (batch.length > 0 && !(await flush())) return this.superseded(importId);
    await this.tx.run((t) => this.imports.finish(t, importId, 'completed', null));
    this.logger.log({ importId, ...counts }, 'catalog import completed');
  }

  /**
   * No attempt will finish the import: its uploader sees `failed`. The
   * batches committed before stay in (the counts say how far it got), and
   * importing the file again adds what is missing (and sets the stock of
   * lines already in back to the file's figures: the README says so).
   */
  async giveUp(
    importId: string,
    // The cause is in the job's log; the reply says only what to do.
    reason = 'The import stopped before the end of the file; upload it again to import the rest',
  ): Promise<void> {
    await this.tx.run((t) => this.imports.giveUp(t, importId, reason));
  }

  /** The attempt that moved on finishes the import (or its job retries it), or it has ended. */
  private superseded(importId: string): void {
    this.logger.warn(
      { importId },
      'catalog import ended, or continued by another attempt, meanwhile; this attempt stops',
    );
  }

  private check(record: SourceRecord, seenSkus: Map<string, number>): Pending {
    if (record.error !== undefined) return { line: record.line, error: record.error };
    try {
      const row = parseCatalogImportRow(record.fields, record.line, this.config.storeCurrency);
      const first = seenSkus.get(row.sku);
      if (first !== undefined) {
        return { line: record.line, error: `sku ${row.sku} already appears on line ${first}` };
      }
      seenSkus.set(row.sku, record.line);
      return { line: record.line, row };
    } catch (error) {
      if (error instanceof DomainError) return { line: record.line, error: error.message };
      throw error;
    }
  }

  private async applyBatch(
    m: EntityManager,
    batch: readonly Pending[],
    actorId: string | null,
  ): Promise<{ succeeded: number; errors: ImportRowErrorDto[] }> {
    for (;;) {
      await m.query('SAVEPOINT import_batch');
      const applied = await this.tryBatch(m, batch, actorId);
      if (applied) {
        await m.query('RELEASE SAVEPOINT import_batch');
        return applied;
      }
      // A SKU of the batch was created by another writer after the check
      // below, so its line's product was created or renamed for nothing.
      // Undone and checked again, the line is refused before any write (or
      // written, if the SKU went to its own product): SKUs are never deleted,
      // so each round settles at least one more line and the rounds end.
      // Or a product was renamed meanwhile: read again, its old slug names it.
      await m.query('ROLLBACK TO SAVEPOINT import_batch');
    }
  }

  /**
   * Null when a product of the batch was renamed after its slug was read, or
   * a line passed the SKU check but its SKU was taken before it was written.
   */
  private async tryBatch(
    m: EntityManager,
    batch: readonly Pending[],
    actorId: string | null,
  ): Promise<{ succeeded: number; errors: ImportRowErrorDto[] } | null> {
    const errors: ImportRowErrorDto[] = [];
    const read: CatalogImportRow[] = [];
    for (const p of batch) {
      if ('row' in p) read.push(p.row);
      else errors.push({ line: p.line, message: storablePrefix(p.error, 500) });
    }
    // A product's former slug names it, as a category's does (see below).
    const renamed = await this.upserts.renamedProducts(m, [
      ...new Set(read.map((r) => r.productSlug)),
    ]);
    const rows = read.map((r) => {
      const slug = renamed.get(r.productSlug);
      return slug === undefined ? r : { ...r, productSlug: slug };
    });
    const categories = await this.upserts.categoryIds(m, [
      ...new Set(rows.flatMap((r) => (r.categorySlug ? [r.categorySlug] : []))),
    ]);
    // Variants per product, counted with the products locked: a line adding
    // one past the limit is refused like the others below.
    const slugs = [...new Set(rows.map((r) => r.productSlug))];
    const variantCounts = await this.upserts.lockProducts(m, slugs);
    // A rename committed since the slugs were translated above (this may
    // have waited on the renamed row) left its old slug naming no product:
    // written as read, it would make a second product and take over the
    // redirect. The batch is read again, as after a SKU taken meanwhile.
    const unseen = slugs.filter((slug) => !variantCounts.has(slug));
    if (unseen.length > 0 && (await this.upserts.renamedProducts(m, unseen)).size > 0) {
      return null;
    }
    // Refused before any write: a line whose SKU is another product's must
    // neither create its product (left without a variant, yet listed) nor
    // rename it. The upsert below still guards against a concurrent writer.
    // Locked, so what is reserved stays as read until the batch commits.
    const existing = await this.upserts.lockSkus(
      m,
      rows.map((r) => r.sku),
    );
    const valid = rows.filter((r) => {
      if (r.categorySlug !== null && !categories.has(r.categorySlug)) {
        errors.push({ line: r.line, message: `unknown category_slug ${r.categorySlug}` });
        return false;
      }
      const variant = existing.get(r.sku);
      const owner = variant?.productSlug;
      if (owner !== undefined && owner !== r.productSlug) {
        errors.push({ line: r.line, message: `sku ${r.sku} belongs to another product` });
        return false;
      }
      if (variant !== undefined) {
        try {
          assertImportStock(r.stock, variant.reserved);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          errors.push({ line: r.line, message: error.message });
          return false;
        }
      }
      if (owner === undefined) {
        const count = variantCounts.get(r.productSlug) ?? 0;
        if (count >= MAX_VARIANTS_PER_PRODUCT) {
          errors.push({
            line: r.line,
            message: new VariantLimitError(MAX_VARIANTS_PER_PRODUCT).message,
          });
          return false;
        }
        variantCounts.set(r.productSlug, count + 1);
      }
      return true;
    });
    // The last line of a product decides its name, description and category.
    const products = new Map(
      valid.map((r) => [
        r.productSlug,
        {
          slug: r.productSlug,
          name: r.productName,
          description: r.description,
          categoryId: r.categorySlug === null ? null : categories.get(r.categorySlug)!,
        },
      ]),
    );
    const productIds = await this.upserts.upsertProducts(m, [...products.values()]);
    const written = await this.upserts.upsertVariants(
      m,
      valid.map((r) => ({ ...r, productId: productIds.get(r.productSlug)! })),
      actorId,
    );
    if (valid.some((r) => !written.has(r.sku))) return null;
    await this.upserts.refreshPriceRanges(m, [...productIds.values()]);
    errors.sort((a, b) => a.line - b.line);
    return { succeeded: written.size, errors };
  }
}

/** The data lines, after checking the header. */
async function* dataRecords(source: string): AsyncGenerator<SourceRecord> {
  let header = true;
  for await (const record of sourceRecords(source)) {
    if (header) {
      header = false;
      assertImportHeader(record.fields ?? []);
      continue;
    }
    yield record;
  }
  if (header) assertImportHeader([]);
}

async function countRows(source: string): Promise<number> {
  let n = 0;
  for await (const _ of dataRecords(source)) n++;
  return n;
}
