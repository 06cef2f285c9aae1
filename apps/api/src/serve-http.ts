import { Logger } from '@nestjs/common';

import { createHttpApp } from './bootstrap.js';
import { CatalogSeedService } from './catalog/seed/catalog-seed.service.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { loadEnvFile } from './infrastructure/config/load-env-file.js';
import { DatabaseServer } from './infrastructure/database/database-server.js';
import { closeOnFailure, exitAfterFailedStart } from './infrastructure/lifecycle/failed-start.js';
import { exitGracefullyOnSignals } from './infrastructure/lifecycle/graceful-shutdown.js';
import { stopRequested } from './infrastructure/lifecycle/stop-signal.js';
import { useServingHeapPolicy } from './infrastructure/runtime/start-heap-policy.js';
import { PgBossRuntime } from './jobs/pg-boss-runtime.js';

async function main(): Promise<void> {
  loadEnvFile();
  const config = AppConfig.fromEnv(process.env);
  const app = await createHttpApp(config);
  const logger = new Logger('Start');
  // A stop signal while starting (stop-signal.ts) waits for the app to be
  // built, so that an embedded PostgreSQL it started is stopped with it, and
  // then skips what is left of the start.
  // A fresh install shows a browsable shop at once; a non-empty catalog is
  // never touched. Never in production: a shop there must not get a demo
  // admin, whatever its password (the seed refuses the accounts there too).
  await closeOnFailure(app, async () => {
    if (!config.isProduction && !stopRequested()) await app.get(CatalogSeedService).seedIfEmpty();
    if (!stopRequested()) await app.listen({ port: config.port, host: config.host });
  });
  const jobs = app.get(PgBossRuntime);
  exitGracefullyOnSignals(app, config.shutdownGraceMs, () => jobs.jobsFailedAtShutdown);
  if (stopRequested()) return;
  useServingHeapPolicy();

  const base = `http://localhost:${config.port}`;
  if (config.jwtSecretIsDefault) {
    logger.warn(
      'JWT_SECRET is not set: using the built-in development secret. Never do this in production.',
    );
  }
  if (config.trustProxyIsDefault && config.trustProxy === true) {
    logger.warn(
      "TRUST_PROXY is not set: X-Forwarded-For is believed from any client (the default outside production), so a client can choose the address its per-IP limits count. Set NODE_ENV=production, or TRUST_PROXY to your proxy's address.",
    );
  }
  logger.log(`API      ${base}/api/v1`);
  logger.log(`Docs     ${base}/docs  (OpenAPI: ${base}/docs/openapi.json)`);
  logger.log(
    `Database ${app.get(DatabaseServer).displayUrl}${app.get(DatabaseServer).embedded ? ' (embedded)' : ''}`,
  );
}

main().catch((error: unknown) => exitAfterFailedStart('minishop', error));
