import type { DataSource, Logger } from 'typeorm';

/** Counts the statements TypeORM sends, whatever the caller, that `matching` matches. */
class CountingLogger implements Logger {
  count = 0;
  constructor(private readonly matching: RegExp | undefined) {}
  logQuery(query: string): void {
    if (!this.matching || this.matching.test(query)) this.count++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * How many statements went to the database while `run` ran; with
 * `matching`, only those it matches (background jobs also use the pool).
 */
export async function queriesDuring(
  ds: DataSource,
  run: () => Promise<unknown>,
  matching?: RegExp,
): Promise<number> {
  const logger = new CountingLogger(matching);
  const original = ds.logger;
  Object.defineProperty(ds, 'logger', { value: logger, configurable: true, writable: true });
  try {
    await run();
    return logger.count;
  } finally {
    Object.defineProperty(ds, 'logger', { value: original, configurable: true, writable: true });
  }
}
