import 'reflect-metadata';

import { NestFactory } from '@nestjs/core';

import { AppModule } from '../src/app.module.js';
import { CatalogImportProcessor } from '../src/imports/catalog-import.processor.js';
import { CatalogImportService } from '../src/imports/catalog-import.service.js';
import { AppConfig } from '../src/infrastructure/config/app-config.js';

export interface ImportBenchResult {
  rows: number;
  /** Rows checked and upserted per second: a fresh catalog. */
  rowsPerSecond: number;
  /** The same file again: every row an update. */
  reimportRowsPerSecond: number;
}

function catalogCsv(rows: number, tag: string): string {
  const lines = [
    'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock',
  ];
  for (let i = 0; i < rows; i++) {
    const p = Math.floor(i / 4);
    lines.push(
      `bench-${tag}-${p},Bench product ${p},A product of the import benchmark,,B${tag.toUpperCase()}-${i},Variant ${i % 4},${100 + (i % 900)},EUR,${i % 20}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Rate of the catalog import engine (parse, check, batched upserts, progress,
 * cache invalidation per batch) on `rows` rows, run in-process as the
 * `catalog:import` command runs it. Uses DATABASE_URL, else the embedded
 * PostgreSQL (as `npm start`).
 */
export async function benchImport({
  rows,
  env = process.env,
}: {
  rows: number;
  env?: Record<string, string | undefined>;
}): Promise<ImportBenchResult> {
  const config = AppConfig.fromEnv({ ...env, LOG_LEVEL: 'silent', RUN_WORKER: 'off' });
  const app = await NestFactory.createApplicationContext(
    { module: class BenchImportRoot {}, imports: [AppModule.register(config)] },
    { logger: false },
  );
  try {
    const imports = app.get(CatalogImportService);
    const processor = app.get(CatalogImportProcessor);
    const file = catalogCsv(rows, Date.now().toString(36));
    const timed = async (): Promise<number> => {
      const created = await imports.record(file, null);
      const t0 = performance.now();
      await processor.run(created.id);
      const ms = performance.now() - t0;
      const done = await imports.get(created.id);
      if (done.succeeded !== rows)
        throw new Error(`only ${done.succeeded} of ${rows} rows imported`);
      return Math.round((rows / ms) * 1000);
    };
    const rowsPerSecond = await timed();
    const reimportRowsPerSecond = await timed();
    return { rows, rowsPerSecond, reimportRowsPerSecond };
  } finally {
    await app.close();
  }
}
