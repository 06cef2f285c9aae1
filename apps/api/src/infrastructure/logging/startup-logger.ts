import { ConsoleLogger } from '@nestjs/common';

/**
 * Nest's own logger until the app's pino logger takes over: what a start
 * that fails before then prints (its buffered lines and the error). One JSON
 * object a line, as the rest of the log is (Nest's fields, not pino's), so
 * a log collector reads a failed start as JSON; colours only for someone
 * watching a terminal.
 */
export function startupLogger(terminal = process.stdout.isTTY === true): ConsoleLogger {
  return new ConsoleLogger({ json: !terminal, colors: terminal });
}
