import { createServer, type Server, type Socket } from 'node:net';

export interface SilentServerOptions {
  /**
   * Answer what a Redis client sends while it connects (CLIENT SETNAME and
   * SETINFO, SELECT, the INFO of ioredis's ready check), then nothing: a
   * Redis that froze after its clients were connected and ready. Without
   * it no client ever gets ready, and ioredis fails its commands at once
   * instead of waiting for their timeout.
   */
  redisHandshake?: boolean;
}

/** A command this server received and never answered, with the name its connection gave itself. */
export interface UnansweredCommand {
  connection: string | undefined;
  command: string;
}

/** Commands answered while a client connects; the first other command freezes that connection. */
const HANDSHAKE = new Set(['CLIENT', 'SELECT', 'INFO']);
const INFO_REPLY = '# Server\r\nredis_version:7.0.0\r\nloading:0\r\n';

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
  /** With `redisHandshake`: every command left without an answer, in order of arrival. */
  readonly unanswered: UnansweredCommand[] = [];

  constructor(private readonly options: SilentServerOptions = {}) {}

  /** Listens on a free loopback port and returns it. */
  async listen(): Promise<number> {
    this.server = createServer((socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      if (this.options.redisHandshake) this.speakHandshake(socket);
      else socket.resume();
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Commands of the connection that named itself `name` left unanswered so far. */
  unansweredFrom(name: string): number {
    return this.unanswered.filter((c) => c.connection === name).length;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private speakHandshake(socket: Socket): void {
    let pending = Buffer.alloc(0);
    let name: string | undefined;
    let frozen = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const parsed = parseCommand(pending);
        if (!parsed) return;
        pending = pending.subarray(parsed.size);
        const [verb = '', ...args] = parsed.args;
        const command = verb.toUpperCase();
        if (command === 'CLIENT' && args[0]?.toUpperCase() === 'SETNAME') name = args[1];
        // Replies go in order: once one command is left hanging, so is every later one.
        frozen ||= !HANDSHAKE.has(command);
        if (frozen) this.unanswered.push({ connection: name, command });
        else if (command === 'INFO')
          socket.write(`$${Buffer.byteLength(INFO_REPLY)}\r\n${INFO_REPLY}\r\n`);
        else socket.write('+OK\r\n');
      }
    });
  }
}

/** One RESP array of bulk strings (what Redis clients send) from the start of `buffer`, if whole. */
export function parseCommand(buffer: Buffer): { args: string[]; size: number } | undefined {
  const line = (from: number) => {
    const end = buffer.indexOf('\r\n', from);
    return end < 0 ? undefined : { text: buffer.toString('utf8', from, end), next: end + 2 };
  };
  const header = line(0);
  if (!header) return undefined;
  // An inline command (a line of words), as redis-cli over telnet sends.
  if (!header.text.startsWith('*')) return { args: header.text.split(' '), size: header.next };
  const args: string[] = [];
  let at = header.next;
  for (let i = 0; i < Number(header.text.slice(1)); i++) {
    const length = line(at);
    if (!length) return undefined;
    const bytes = Number(length.text.slice(1));
    if (buffer.length < length.next + bytes + 2) return undefined;
    args.push(buffer.toString('utf8', length.next, length.next + bytes));
    at = length.next + bytes + 2;
  }
  return { args, size: at };
}
