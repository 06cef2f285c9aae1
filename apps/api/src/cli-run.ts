import { ConsoleLogger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { CommanderError } from 'commander';
import { CommandFactory, CommandRunnerService } from 'nest-commander';

import { CliArgumentsModule, CliModule, MatchedCommand } from './cli.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { DB_MIGRATE } from './infrastructure/database/db-migrate.command.js';
import { MigrationRunner } from './infrastructure/database/migration-runner.js';
import { closeOnFailure } from './infrastructure/lifecycle/failed-start.js';

/**
 * Where a run of the command line reports: dist/cli.js gives its process's
 * own streams and the process itself, a test its own buffers. Commander's
 * usage errors and help, and a failed command's message, go here; what a
 * command prints as its result it writes to process.stdout itself.
 */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Given the code of a usage error, --help (0) or a failed command; left alone on success. */
  exit: { exitCode?: number | string };
}

/**
 * The stop signals of the process a run belongs to (see stop-signal.ts).
 * Only dist/cli.js has them; a run without them is never interrupted.
 */
export interface CliStopSignals {
  stopRequested(): boolean;
  /** Given the app once built, before anything runs on it: a stop signal then closes it. */
  handOver(app: INestApplicationContext): void;
}

/**
 * Nest logs a failed start before throwing it on, and runCli's caller
 * reports it (see exitAfterFailedStart): once is enough. Every line goes to
 * stderr, warnings too (Nest's own logger prints them on stdout): stdout
 * holds a command's result alone, for a pipe or a file to take.
 */
class CliLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) !== 'ExceptionHandler') super.error(message, ...rest);
  }

  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

const NO_STOP_SIGNALS: CliStopSignals = { stopRequested: () => false, handOver: () => {} };

/**
 * The app's close failed after the command ran: not a failed start, and
 * reported as what it is (see exitAfterFailedClose).
 */
export class CliCloseError extends Error {
  constructor(readonly reason: unknown) {
    super('the command line failed to close');
  }
}

/**
 * One run of the command line on `argv` (as process.argv: node, the script,
 * then the arguments): commander first parses them alone (CliArgumentsModule),
 * so that --help and a usage error need no database; then it builds the app
 * from `env`, migrates (db:migrate does so itself, to report what it
 * applied), runs the command and closes the app. Every way out closes the app, or stops an embedded
 * PostgreSQL it started: a command that succeeds or fails, a usage error or
 * --help (see CliModule), a stop signal (handed over with the app). A failed
 * build or migration rejects, the app closed as far as it was built; so does
 * a failed close, with a CliCloseError. Commander keeps option values between
 * parses: each run builds an app of its own.
 */
export async function runCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  output: CliOutput,
  signals: CliStopSignals = NO_STOP_SIGNALS,
): Promise<void> {
  const options = {
    logger: new CliLogger({ logLevels: ['error', 'warn'] }),
    // Thrown to the caller rather than exiting on the spot: see bootstrap.ts.
    abortOnError: false,
    outputConfiguration: {
      writeOut: (text) => output.stdout(text),
      writeErr: (text) => output.stderr(text),
    },
    serviceErrorHandler: (error: Error) => {
      // Commander's own outcomes (a usage error, --help), each already
      // printed by commander: writing the message again would show every
      // usage error twice. Only the exit code is left, 0 for help.
      if (error instanceof CommanderError) {
        output.exit.exitCode = error.exitCode;
        return;
      }
      // A command cut short by a stop signal fails on the closing pool: not
      // its error to report, and the signal sets the exit code.
      if (signals.stopRequested()) return;
      output.stderr(`${error.message}\n`);
      output.exit.exitCode = 1;
    },
  } satisfies Parameters<typeof CommandFactory.createWithoutRunning>[1];
  const parsed = await CommandFactory.createWithoutRunning(CliArgumentsModule.register(), options);
  await parsed.get(CommandRunnerService).run([...argv]);
  const command = parsed.get(MatchedCommand).name;
  await parsed.close();
  // Help or a usage error, already reported by commander.
  if (command === undefined) return;

  const config = AppConfig.forCommandLine({ LOG_LEVEL: 'warn', ...env });
  const app = await CommandFactory.createWithoutRunning(CliModule.register(config), options);
  // A stop signal while starting waited for the app to be built, so that an
  // embedded PostgreSQL it started is stopped with it: it is closed now, and
  // no command runs.
  signals.handOver(app);
  if (signals.stopRequested()) return;
  // Every command works on an up-to-date schema, as the API does.
  if (command !== DB_MIGRATE) await closeOnFailure(app, () => app.get(MigrationRunner).run());
  if (signals.stopRequested()) return;
  await app.get(CommandRunnerService).run([...argv]);
  // Once a stop signal has come, closing is its handler's.
  if (!signals.stopRequested()) {
    await app.close().catch((error: unknown) => {
      throw new CliCloseError(error);
    });
  }
}
