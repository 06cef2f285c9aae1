import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP server that accepts every connection, reads what it is sent and never
 * answers: a Redis that froze, or one behind a partition that drops packets
 * without a reset. Clients see a connection that is up and silent.
 */
export class SilentServer {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  /** Connections accepted so far: that a client really came here. */
  connections = 0;

  /** Listens on a free loopback port and returns it. */
  async listen(): Promise<number> {
    this.server = createServer((socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.resume();
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
