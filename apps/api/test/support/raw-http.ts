import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

/**
 * The app's server listening on a loopback port of its own (supertest only
 * listens per request). Whoever calls this closes the server before the app.
 */
export async function listeningPort(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Stops a server `listeningPort` started, cutting any connection left. */
export async function stopListening(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/**
 * A connection that sends `text` as it is (several pipelined requests, say)
 * and collects every byte the server sends back until the connection ends.
 */
export function rawConnection(
  port: number,
  text: string,
): { socket: Socket; received: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const received = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
  socket.on('error', () => undefined);
  socket.write(text);
  return { socket, received };
}
