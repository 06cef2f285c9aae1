import 'reflect-metadata';

import { CommandFactory } from 'nest-commander';

import { CliModule } from './cli.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { ConfigError } from './infrastructure/config/env.schema.js';
import { loadEnvFile } from './infrastructure/config/load-env-file.js';
import { MigrationRunner } from './infrastructure/database/migration-runner.js';

async function main(): Promise<void> {
  loadEnvFile();
  // A command never works jobs (it may enqueue them); that is the worker's part.
  const config = AppConfig.fromEnv({ LOG_LEVEL: 'warn', ...process.env, RUN_WORKER: 'off' });
  const app = await CommandFactory.createWithoutRunning(CliModule.register(config), {
    logger: ['error', 'warn'],
    // Called with commander's own outcomes (a usage error, --help,
    // --version), each already printed by commander: writing the message
    // again would show every usage error twice. Only the exit code is left,
    // 0 for help and version.
    errorHandler: (error) => {
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    },
    serviceErrorHandler: (error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  });
  // Every command works on an up-to-date schema, as the API does.
  await app.get(MigrationRunner).run();
  await CommandFactory.runApplication(app);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
