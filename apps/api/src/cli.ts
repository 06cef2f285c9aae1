import 'reflect-metadata';
// Before anything starts: a stop signal must not kill the process once it
// may have started an embedded PostgreSQL (see stop-signal.ts). Modules load
// before this runs, but until main() nothing is started, so a signal then
// leaves nothing behind.
import './infrastructure/lifecycle/stop-signal.js';

import { CommanderError } from 'commander';
import { CommandFactory } from 'nest-commander';

import { CliModule } from './cli.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { loadEnvFile } from './infrastructure/config/load-env-file.js';
import { MigrationRunner } from './infrastructure/database/migration-runner.js';
import {
  closeOnFailure,
  exitAfterFailedClose,
  exitAfterFailedStart,
} from './infrastructure/lifecycle/failed-start.js';
import { exitCommandOnSignals } from './infrastructure/lifecycle/graceful-shutdown.js';
import { stopRequested } from './infrastructure/lifecycle/stop-signal.js';

/**
 * Every way out closes the app, or stops an embedded PostgreSQL this process
 * started: a command that succeeds or fails, a usage error or --help (see
 * CliModule), a failed start or migration (exitAfterFailedStart), a stop
 * signal (exitCommandOnSignals).
 */
/** Whether exitCommandOnSignals has the app: from then on a stop signal ends the process. */
let signalsHandled = false;

async function main(): Promise<void> {
  loadEnvFile();
  // A command never works jobs (it may enqueue them); that is the worker's part.
  const config = AppConfig.fromEnv({ LOG_LEVEL: 'warn', ...process.env, RUN_WORKER: 'off' });
  const app = await CommandFactory.createWithoutRunning(CliModule.register(config), {
    logger: ['error', 'warn'],
    // Thrown to exitAfterFailedStart rather than exiting on the spot: see bootstrap.ts.
    abortOnError: false,
    serviceErrorHandler: (error) => {
      // Commander's own outcomes (a usage error, --help), each already
      // printed by commander: writing the message again would show every
      // usage error twice. Only the exit code is left, 0 for help.
      if (error instanceof CommanderError) {
        process.exitCode = error.exitCode;
        return;
      }
      // A command cut short by a stop signal fails on the closing pool: not
      // its error to report, and the signal sets the exit code.
      if (stopRequested()) return;
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    },
  });
  // A stop signal while starting waited for the app to be built, so that an
  // embedded PostgreSQL it started is stopped with it: it is closed now, and
  // no command runs.
  exitCommandOnSignals(app);
  signalsHandled = true;
  if (stopRequested()) return;
  // Every command works on an up-to-date schema, as the API does.
  await closeOnFailure(app, () => app.get(MigrationRunner).run());
  if (stopRequested()) return;
  await CommandFactory.runApplication(app);
  // Once a stop signal has come, closing is its handler's. A failed close is
  // not a failed start: it is reported as what it is.
  if (!stopRequested()) {
    await app.close().catch((error: unknown) => exitAfterFailedClose('minishop cli', error));
  }
}

main().catch((error: unknown) => {
  // After a stop signal, a failure is the interruption's (a migration on the
  // closing pool): the signal's handler stops and exits. Not so for an app
  // that failed to build after a signal came: no handler has it, the signal
  // is held, and later ones are ignored, so only this can end the process.
  if (!(signalsHandled && stopRequested())) void exitAfterFailedStart('minishop cli', error);
});
