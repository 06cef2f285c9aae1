import { Global, Module } from '@nestjs/common';

import { AbandonedImports } from './abandoned-imports.js';
import { CatalogImportHandler } from './catalog-import.handler.js';
import { CatalogImportProcessor } from './catalog-import.processor.js';
import { CatalogImportService } from './catalog-import.service.js';
import { ImportsController } from './imports.controller.js';
import { CatalogUpsertRepository } from './persistence/catalog-upsert.repository.js';
import { ImportRepository } from './persistence/import.repository.js';

/**
 * Catalog import from CSV: upload, background processing, progress. Global
 * so the CLI's `catalog:import` command reaches the services.
 */
@Global()
@Module({
  controllers: [ImportsController],
  providers: [
    ImportRepository,
    CatalogUpsertRepository,
    CatalogImportService,
    CatalogImportProcessor,
    CatalogImportHandler,
    AbandonedImports,
  ],
  exports: [CatalogImportService, CatalogImportProcessor],
})
export class ImportsModule {}
