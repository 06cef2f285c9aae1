import type { Server } from 'node:http';

// Short next to a keep-alive timeout, long enough to cost nothing while the
// last requests of a drain finish.
const REAP_INTERVAL_MS = 100;

const reaping = new WeakSet<Server>();

/**
 * From now until `server` has closed, closes each of its keep-alive
 * connections as soon as it is idle. `server.close()` (and Fastify's close)
 * closes only the connections idle at that moment: one whose request is
 * still in flight turns idle once answered and would then hold the close
 * open until its keep-alive timeout (72 s), as long again on a client that
 * keeps the connection as long as the server's Keep-Alive hint allows
 * (undici's fetch, the emulator's webhook deliveries).
 */
export function closeConnectionsOnceIdle(server: Server): void {
  if (reaping.has(server)) return;
  reaping.add(server);
  const reap = setInterval(() => server.closeIdleConnections(), REAP_INTERVAL_MS);
  // Never what keeps a process alive, and over once the server is.
  reap.unref();
  server.once('close', () => {
    clearInterval(reap);
    reaping.delete(server);
  });
}
