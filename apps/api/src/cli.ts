import 'reflect-metadata';
// Before anything starts: a stop signal must not kill the process once it
// may have started an embedded PostgreSQL (see stop-signal.ts). Modules load
// before this runs, but until runCli nothing is started, so a signal then
// leaves nothing behind.
import './infrastructure/lifecycle/stop-signal.js';

import { CliCloseError, runCli } from './cli-run.js';
import { loadEnvFile } from './infrastructure/config/load-env-file.js';
import {
  exitAfterFailedClose,
  exitAfterFailedStart,
} from './infrastructure/lifecycle/failed-start.js';
import { exitCommandOnSignals } from './infrastructure/lifecycle/graceful-shutdown.js';
import { stopRequested } from './infrastructure/lifecycle/stop-signal.js';

/** Whether exitCommandOnSignals has the app: from then on a stop signal ends the process. */
let signalsHandled = false;

/**
 * `npm run cli`: runCli on this process's arguments, environment, streams
 * and exit code, with its stop signals (exitCommandOnSignals). A failed
 * start or migration, or a failed close, ends the process here, stopping an
 * embedded PostgreSQL it started.
 */
async function main(): Promise<void> {
  loadEnvFile();
  await runCli(
    process.argv,
    process.env,
    {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      exit: process,
    },
    {
      stopRequested,
      handOver: (app) => {
        exitCommandOnSignals(app);
        signalsHandled = true;
      },
    },
  );
}

main().catch((error: unknown) => {
  // The command ran, but closing failed: not a failed start.
  if (error instanceof CliCloseError) {
    void exitAfterFailedClose('minishop cli', error.reason);
    return;
  }
  // After a stop signal, a failure is the interruption's (a migration on the
  // closing pool): the signal's handler stops and exits. Not so for an app
  // that failed to build after a signal came: no handler has it, the signal
  // is held, and later ones are ignored, so only this can end the process.
  if (!(signalsHandled && stopRequested()))
    void exitAfterFailedStart('minishop cli', error, 'text');
});
