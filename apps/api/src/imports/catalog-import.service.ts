import { isUtf8 } from 'node:buffer';

import type { CatalogImportDto } from '@minishop/contracts';
import { assertImportHeader, ImportNotFoundError, InvalidImportFileError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { JobQueue } from '../jobs/job-queue.js';
import { headerOf } from './catalog-import-source.js';
import { ImportRepository, type ImportRunner } from './persistence/import.repository.js';

/** The file as uploaded or read from disk (bytes), or text already decoded. */
export type ImportFile = string | Uint8Array;

/**
 * The file's text. Bytes must be UTF-8: decoded leniently, a file saved as
 * Latin-1 or Windows-1252 (what spreadsheet programs write unless asked for
 * "CSV UTF-8") would have its accented names stored with U+FFFD in place of
 * each letter, and the import would report success.
 */
function textOf(file: ImportFile): string {
  if (typeof file === 'string') return file;
  if (!isUtf8(file)) {
    throw new InvalidImportFileError(
      'The file is not UTF-8 text; save it as UTF-8 ("CSV UTF-8" in spreadsheet programs)',
      [{ field: 'file', message: 'file must be UTF-8 text' }],
    );
  }
  return Buffer.from(file.buffer, file.byteOffset, file.byteLength).toString('utf8');
}

/** Takes an import file in: POST /admin/imports and `catalog:import`. */
@Injectable()
export class CatalogImportService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly imports: ImportRepository,
    private readonly jobs: JobQueue,
    private readonly dataSource: DataSource,
  ) {}

  /** Records the file and queues its processing in one transaction. */
  async submit(file: ImportFile, actorId: string | null): Promise<CatalogImportDto> {
    return this.create(textOf(file), actorId, 'job');
  }

  /** Records the file without a job, for a caller that processes it itself (the CLI). */
  async record(file: ImportFile, actorId: string | null): Promise<CatalogImportDto> {
    return this.create(textOf(file), actorId, 'cli');
  }

  async get(id: string): Promise<CatalogImportDto> {
    const found = await this.imports.find(this.dataSource.manager, id);
    if (!found) throw new ImportNotFoundError(id);
    return found;
  }

  private async create(
    source: string,
    actorId: string | null,
    runBy: ImportRunner,
  ): Promise<CatalogImportDto> {
    if (source.trim() === '') {
      throw new InvalidImportFileError('The file is empty', [
        { field: 'file', message: 'file is empty' },
      ]);
    }
    // PostgreSQL text cannot hold U+0000 (a UTF-16 file is full of them):
    // storing the file would fail as a 500 rather than say what is wrong.
    if (source.includes('\u0000')) {
      throw new InvalidImportFileError(
        'The file contains NUL characters; send it as UTF-8 text (not UTF-16)',
        [{ field: 'file', message: 'file must be UTF-8 text without NUL characters' }],
      );
    }
    assertImportHeader(headerOf(source));
    return this.tx.run(async (m) => {
      const id = await this.imports.create(m, source, actorId, runBy);
      if (runBy === 'job') {
        await this.jobs.enqueue('catalog.import', { importId: id }, { manager: m });
      }
      return (await this.imports.find(m, id))!;
    });
  }
}
