import { ConsoleLogger } from '@nestjs/common';

/**
 * Nest's own logger until the app's pino logger takes over: what a start
 * that fails before then prints (its buffered lines and the error). JSON
 * lines, as pino writes them, so a log collector reads a failed start like
 * any other; colours only for someone watching a terminal.
 */
export function startupLogger(): ConsoleLogger {
  const terminal = process.stdout.isTTY === true;
  return new ConsoleLogger({ json: !terminal, colors: terminal });
}
