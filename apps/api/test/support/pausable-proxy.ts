import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL or Redis whose server-to-client
 * direction can be held, so a query (and the HTTP request waiting on it)
 * stays in flight for as long as a test needs, without any test-only code in
 * the app.
 */
export class PausableProxy {
  private readonly upstreams = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  /** Server-to-client bytes kept back while held, per client. */
  private readonly kept = new Map<Socket, Buffer[]>();
  private held = false;
  private server: Server | undefined;
  private onHeldQuery: (() => void) | undefined;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.upstreams.add(upstream);
      this.clients.add(client);
      this.kept.set(client, []);
      client.on('data', () => {
        if (this.held) this.onHeldQuery?.();
      });
      client.pipe(upstream);
      // Not piped: a pipe resumes a paused source whenever its destination
      // drains, which let replies through a hold under load.
      upstream.on('data', (chunk: Buffer) => {
        if (this.held) this.kept.get(client)?.push(chunk);
        else client.write(chunk);
      });
      const drop = () => {
        this.upstreams.delete(upstream);
        this.clients.delete(client);
        this.kept.delete(client);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  hold(): void {
    this.held = true;
  }

  /** Resolves once the app sends something to the database while held. */
  nextQueryWhileHeld(): Promise<void> {
    return new Promise((resolve) => (this.onHeldQuery = resolve));
  }

  release(): void {
    this.held = false;
    for (const [client, chunks] of this.kept) {
      for (const chunk of chunks.splice(0)) client.write(chunk);
    }
  }

  async close(): Promise<void> {
    for (const s of [...this.upstreams, ...this.clients]) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
