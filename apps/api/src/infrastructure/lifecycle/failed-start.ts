import type { INestApplicationContext } from '@nestjs/common';
import { pino } from 'pino';

import { ConfigError } from '../config/env.schema.js';
import { DatabaseUnreachableError } from '../database/database-unreachable.error.js';
import { serializeError } from '../logging/error-serializer.js';

/**
 * How a failed start is reported: `log` as one JSON line at level fatal
 * (pino's fields, the error through the log's own serializer) when nobody
 * watches a terminal, since a server's stdout is JSON up to that point and
 * a log collector would otherwise get the reason as loose lines of text;
 * `text` for a person, and always for the CLI, whose other errors are text.
 */
export type FailureReport = 'log' | 'text';

const serverReport = (): FailureReport => (process.stderr.isTTY === true ? 'text' : 'log');

/**
 * An entry point whose start failed: says why on stderr, stops an embedded
 * PostgreSQL this process started, and exits 1. The failure may come after
 * that PostgreSQL is up (a migration, the HTTP port already taken, a module
 * that cannot be built), and PostgreSQL, a process of its own, would
 * otherwise keep running with nobody to stop it.
 */
export async function exitAfterFailedStart(
  what: string,
  error: unknown,
  report: FailureReport = serverReport(),
): Promise<never> {
  const expected = error instanceof ConfigError || error instanceof DatabaseUnreachableError;
  if (report === 'text') {
    process.stderr.write(
      expected ? `${error.message}\n` : `${what} failed to start: ${cause(error)}\n`,
    );
  } else {
    // A wrong setting or an absent database is told in its own words; a
    // stack trace would only bury them.
    const logger = pino(
      { serializers: { err: serializeError } },
      pino.destination({ dest: 2, sync: true }),
    );
    if (expected) logger.fatal(`${what} failed to start: ${error.message}`);
    else logger.fatal({ err: error }, `${what} failed to start`);
  }
  await stopEmbeddedPostgres();
  process.exit(1);
}

/**
 * An entry point whose work is done but whose app failed to close (a pool
 * or a module's shutdown hook threw): says so, stops an embedded PostgreSQL
 * that closing may have left running, and exits 1.
 */
export async function exitAfterFailedClose(what: string, error: unknown): Promise<never> {
  process.stderr.write(`${what} failed to close: ${cause(error)}\n`);
  await stopEmbeddedPostgres();
  process.exit(1);
}

function cause(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Stops an embedded PostgreSQL this process started, if any: the last step
 * of an exit that cannot count on closing the app. A failure is reported,
 * not thrown, as the process is about to exit anyway.
 */
export async function stopEmbeddedPostgres(): Promise<void> {
  try {
    // Loaded here, not at the top: a cluster primary given DATABASE_URL
    // otherwise never loads this module (or pg).
    const { stopStartedEmbeddedPostgres } = await import('../database/embedded-postgres.js');
    await stopStartedEmbeddedPostgres();
  } catch (stopError) {
    process.stderr.write(`could not stop the embedded PostgreSQL: ${String(stopError)}\n`);
  }
}

/**
 * Runs the rest of a start on a built app and closes the app if that fails:
 * its jobs, pools and embedded PostgreSQL then stop in order, instead of the
 * pools reporting the server's disappearance one connection at a time. The
 * error goes on to exitAfterFailedStart, which stops the embedded PostgreSQL
 * itself should closing fail.
 */
export async function closeOnFailure<T>(
  app: INestApplicationContext,
  rest: () => Promise<T>,
): Promise<T> {
  try {
    return await rest();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
