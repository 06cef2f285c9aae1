import type { Server } from 'node:http';

import { type INestApplication, Logger } from '@nestjs/common';

import { onStopSignal } from './stop-signal.js';

// After the grace period the remaining connections are cut; the pool and an
// embedded server then get this long to stop before the process gives up.
const HOOKS_DEADLINE_MS = 5_000;

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish
 * within `graceMs`, then close the pool (and an embedded PostgreSQL) through
 * Nest's shutdown hooks, and exit 0. Requests still running after the grace
 * period have their connections cut and the exit code is 1, so an
 * orchestrator can tell a clean stop from a forced one. A signal that came
 * while the app was starting (see stop-signal.ts) closes it at once.
 */
export function exitGracefullyOnSignals(app: INestApplication, graceMs: number): void {
  const logger = new Logger('Shutdown');
  onStopSignal((signal) => {
    logger.log(`${signal}: finishing in-flight requests (grace ${graceMs} ms)`);
    // Fastify closes the connections that are idle when shutdown starts;
    // a keep-alive connection whose request was in flight becomes idle only
    // later and would hold the server open until its keep-alive timeout.
    const server = app.getHttpServer() as Server;
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    let forced = false;
    const force = setTimeout(() => {
      forced = true;
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
      setTimeout(() => process.exit(1), HOOKS_DEADLINE_MS).unref();
    }, graceMs);
    force.unref();
    app.close().then(
      () => {
        clearTimeout(force);
        clearInterval(sweep);
        logger.log('stopped');
        process.exit(forced ? 1 : 0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  });
}
