import { pino } from 'pino';

/**
 * Where log lines go: stdout in every entry point. A port so a test can
 * capture the lines (overrideProvider) and assert what is and is not logged.
 */
export abstract class LogDestination {
  abstract write(line: string): void;
}

export const stdoutLogDestination = (): LogDestination => pino.destination({ dest: 1, sync: true });
