import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { LogDestination } from '../src/infrastructure/logging/log-destination.js';
import { parseCommand } from './support/silent-server.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { registered } from './support/users.js';

// A file of its own: nestjs-pino keeps its logger in module state, so a
// second app in the same file would log through the first app's settings.

class CapturedLog extends LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

const INFO_REPLY = '# Server\r\nredis_version:7.0.0\r\nloading:0\r\n';

/**
 * A Redis that connects clients as usual, counts the per-IP login limit and
 * refuses to count the per-e-mail one, the way a failed-over primary (now a
 * replica) or one out of memory answers a write: an error reply to that
 * command, after the one before it succeeded. Transactions (the lookup and
 * storing of known sign-in addresses) go through, as for keys it does not hold.
 */
class RefusingRedis {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  async listen(): Promise<number> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let pending = Buffer.alloc(0);
      /** The commands of a transaction (MULTI) not yet executed. */
      let queued: string[] | undefined;
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (let parsed = parseCommand(pending); parsed; parsed = parseCommand(pending)) {
          pending = pending.subarray(parsed.size);
          const command = (parsed.args[0] ?? '').toUpperCase();
          if (command === 'MULTI') {
            queued = [];
            socket.write('+OK\r\n');
          } else if (command === 'EXEC') {
            // As for keys it does not hold: GET nil, PTTL -2, SET OK.
            const replies = (queued ?? []).map((c) =>
              c === 'GET' ? '$-1\r\n' : c === 'PTTL' ? ':-2\r\n' : '+OK\r\n',
            );
            queued = undefined;
            socket.write(`*${replies.length}\r\n${replies.join('')}`);
          } else if (queued) {
            queued.push(command);
            socket.write('+QUEUED\r\n');
          } else if (command === 'INFO') {
            socket.write(`$${Buffer.byteLength(INFO_REPLY)}\r\n${INFO_REPLY}\r\n`);
          } else if (command !== 'EVALSHA' && command !== 'EVAL') {
            socket.write('+OK\r\n');
          } else if (parsed.args.some((a) => a.includes(':email:'))) {
            socket.write("-READONLY You can't write against a read only replica.\r\n");
          } else {
            socket.write('*2\r\n:1\r\n:60000\r\n'); // one attempt counted, 60 s left
          }
        }
      });
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

describe('what the log keeps of a login throttle store that refuses a command', () => {
  let redis: RefusingRedis;
  let t: TestApp;
  const log = new CapturedLog();

  beforeAll(async () => {
    redis = new RefusingRedis();
    const port = await redis.listen();
    t = await startTestApp({
      // A refusal is what this test is about: on a loaded machine the
      // default 500 ms could pass first and log a timeout instead.
      env: {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        LOG_LEVEL: 'info',
        REDIS_COMMAND_TIMEOUT_MS: '10000',
      },
      override: (b) => b.overrideProvider(LogDestination).useValue(log),
    });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.close();
  });

  test('the outage warning names the failed command, never the e-mail or address it counted', async () => {
    const u = await registered(t);
    const ip = `10.${[...randomBytes(3)].join('.')}`;
    await t.http
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email: u.email, password: u.password })
      .expect(200);
    const warning = log.lines.find((l) => l.includes('login throttle store'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({
      err: { message: expect.stringContaining('READONLY'), command: { name: 'evalsha' } },
    });
    for (const line of log.lines) {
      expect(line).not.toContain(u.email);
      expect(line).not.toContain(ip);
    }
  });
});
