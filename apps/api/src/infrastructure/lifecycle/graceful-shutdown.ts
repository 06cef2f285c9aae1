import type { Server } from 'node:http';

import { type INestApplication, type INestApplicationContext, Logger } from '@nestjs/common';

import { closeConnectionsOnceIdle } from '../http/idle-connections.js';
import { stopEmbeddedPostgres } from './failed-start.js';
import { ShutdownState } from './shutdown-state.js';
import { onStopSignal } from './stop-signal.js';

// After the grace period the remaining connections are cut (or the jobs still
// running failed for a retry); the pool and an embedded server then get this
// long to stop before the process gives up. A command's own stop (see
// exitCommandOnSignals) must fit in it too.
export const HOOKS_DEADLINE_MS = 5_000;

/**
 * How many jobs the stop failed for a retry because they were still running
 * at the end of their grace (PgBossRuntime); read once closing has ended.
 */
export type JobsCutShort = () => number;

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish
 * within `graceMs`, then close the pool (and an embedded PostgreSQL) through
 * Nest's shutdown hooks, and exit 0. Requests still running after the grace
 * period have their connections cut, and jobs worked inline that outlast
 * theirs (never longer than `graceMs`, see AppConfig) are failed for a
 * retry: either way the exit code is 1, so an orchestrator can tell a clean
 * stop from a forced one. A signal that came while the app was starting (see
 * stop-signal.ts) closes it at once.
 */
export function exitGracefullyOnSignals(
  app: INestApplication,
  graceMs: number,
  jobsCutShort: JobsCutShort,
): void {
  const logger = new Logger('Shutdown');
  onStopSignal((signal) => {
    logger.log(`${signal}: finishing in-flight requests (grace ${graceMs} ms)`);
    app.get(ShutdownState, { strict: false }).begin();
    const server = app.getHttpServer() as Server;
    // No new connection from now on. Nest closes the HTTP server only after
    // the job runtime has stopped (its hook comes first), and jobs worked
    // inline may take their whole grace: the server would go on accepting
    // meanwhile. Fastify's own close later finds it closing and waits for
    // the connections still open, as it would have.
    server.close();
    // Connections that turn idle are closed from now on, not only once
    // Fastify's close begins: the jobs' stop comes first and may take its
    // whole grace.
    closeConnectionsOnceIdle(server);
    let forced = false;
    setTimeout(() => {
      forced = true;
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
      setTimeout(() => process.exit(1), HOOKS_DEADLINE_MS).unref();
    }, graceMs).unref();
    exitOnceClosed(app, logger, () => forced || jobsCutShort() > 0);
  });
}

/**
 * Exits once `context` has closed: 1 if the stop was forced (`forced()`,
 * asked then) or closing failed, else 0.
 */
function exitOnceClosed(
  context: INestApplicationContext,
  logger: Logger,
  forced: () => boolean,
): void {
  context.close().then(
    () => {
      logger.log('stopped');
      process.exit(forced() ? 1 : 0);
    },
    (error: unknown) => {
      logger.error(`shutdown failed: ${String(error)}`);
      process.exit(1);
    },
  );
}

/**
 * The job worker's SIGTERM/SIGINT: closing the context stops pg-boss, which
 * fetches no more jobs and gives those in flight `graceMs` to finish before
 * it fails them for a retry (PgBossRuntime); then the pool closes and an
 * embedded PostgreSQL stops. Exit 0 once that is done; 1 if jobs had to be
 * failed (a forced stop, as the API's with cut requests), or if closing
 * fails or hangs. Not Nest's shutdown hooks: they exit by re-raising the
 * signal (143) and listen only once the context is built. A signal that came
 * while the worker was starting (see stop-signal.ts) closes it at once.
 */
export function exitJobWorkerGracefullyOnSignals(
  context: INestApplicationContext,
  graceMs: number,
  jobsCutShort: JobsCutShort,
  /** Run as stopping begins (the heartbeat, which must not outlive the pool): synchronous. */
  onStopping?: () => void,
): void {
  const logger = new Logger('Shutdown');
  onStopSignal((signal) => {
    logger.log(`${signal}: finishing in-flight jobs (grace ${graceMs} ms)`);
    onStopping?.();
    // pg-boss gives up on running jobs at the end of the grace period on its
    // own; this only catches a shutdown hook that never returns.
    setTimeout(() => {
      logger.error('shutdown did not finish in time');
      process.exit(1);
    }, graceMs + HOOKS_DEADLINE_MS).unref();
    exitOnceClosed(context, logger, () => jobsCutShort() > 0);
  });
}

/**
 * The command line's SIGTERM/SIGINT: the command is abandoned, not finished.
 * Closing the context closes the pool once the connection in use is given
 * back (the command's next query then fails, unreported: see cli.ts) and
 * stops an embedded PostgreSQL the command line started. A command that must
 * leave its work in a known state first (catalog:import, whose import nothing
 * else would end) does so in its onModuleDestroy hook, which closing runs
 * before the pool's shutdown hook, within HOOKS_DEADLINE_MS. A command that
 * keeps its connection (a long transaction, a wait for a lock) would hold
 * closing up: after HOOKS_DEADLINE_MS the embedded PostgreSQL is stopped
 * directly, which rolls its transaction back. The process then dies of the
 * signal it was sent, as an interrupted command should: a shell running it
 * in a script or a loop stops too, where an exit code would let it carry on
 * (and an exit would first wait for a read still blocked on Node's thread
 * pool, an import from a pipe). A signal that came while the command line
 * was starting (see stop-signal.ts) closes it at once, before the command
 * runs.
 */
export function exitCommandOnSignals(context: INestApplicationContext): void {
  onStopSignal((signal) => {
    process.stderr.write(`${signal}: command interrupted\n`);
    const die = (): void => {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    };
    // Not unref'd: with the pool closing, nothing else may keep the process
    // alive until the embedded PostgreSQL is stopped.
    setTimeout(() => void stopEmbeddedPostgres().then(die), HOOKS_DEADLINE_MS);
    context.close().then(die, () => void stopEmbeddedPostgres().then(die));
  });
}
