import type { Server } from 'node:http';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  Body,
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Param,
  Post,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import { DataSource } from 'typeorm';

import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { LogDestination } from '../src/infrastructure/logging/log-destination.js';
import { MetricsService } from '../src/infrastructure/metrics/metrics.service.js';
import { metricSample as sample } from './support/metrics.js';
import { listeningPort, rawConnection, stopListening } from './support/raw-http.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SECRET_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-access-token-value';
const SECRET_PASSWORD = 'correct-horse-battery-staple-42';
const SECRET_CART = 'cart-token-0f3c9b-secret';

/** Stands in for the auth guard: sets `request.user` as passport does. */
@Injectable()
class FakeUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    context.switchToHttp().getRequest<{ user?: unknown }>().user = { id: 'user-42' };
    return true;
  }
}

/** Rows of the slow-commit probe; each commit waits the row's seconds on the deferred trigger below. */
const SLOW_COMMIT_TABLE = `
  CREATE TABLE IF NOT EXISTS ops_probe_commits (id text PRIMARY KEY, commit_seconds float NOT NULL);
  CREATE OR REPLACE FUNCTION ops_probe_slow_commit() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_sleep(NEW.commit_seconds); RETURN NULL; END $$;
  DROP TRIGGER IF EXISTS ops_probe_slow_commit ON ops_probe_commits;
  CREATE CONSTRAINT TRIGGER ops_probe_slow_commit AFTER INSERT ON ops_probe_commits
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ops_probe_slow_commit();
`;

@Controller('ops-probe')
class OpsProbeController {
  constructor(private readonly tx: TransactionRunner) {}

  /** Writes a row in a transaction whose COMMIT takes `seconds`. */
  @Post('slow-commit/:id/:seconds')
  async slowCommit(
    @Param('id') id: string,
    @Param('seconds') seconds: string,
  ): Promise<{ id: string }> {
    await this.tx.run((m) =>
      m.query('INSERT INTO ops_probe_commits (id, commit_seconds) VALUES ($1, $2)', [
        id,
        Number(seconds),
      ]),
    );
    return { id };
  }

  /**
   * Commits one row, then outlasts the 1 s deadline, then commits another:
   * what a use case that finishes (or undoes) its first transaction does.
   */
  @Post('two-steps/:id')
  async twoSteps(@Param('id') id: string): Promise<{ id: string }> {
    const insert = (row: string) =>
      this.tx.run((m) =>
        m.query('INSERT INTO ops_probe_commits (id, commit_seconds) VALUES ($1, 0)', [row]),
      );
    await insert(`${id}-first`);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await insert(`${id}-second`);
    return { id };
  }

  @Get('items/:id')
  item(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Get('slow')
  async slow(): Promise<{ done: true }> {
    // unref: the test may end before this handler does.
    await new Promise((resolve) => setTimeout(resolve, 2_500).unref());
    return { done: true };
  }

  /** A reply whose body takes 2 s to stream: ten chunks, 200 ms apart. */
  @Get('stream')
  stream(): StreamableFile {
    async function* chunks(): AsyncGenerator<string> {
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        yield `chunk ${i}\n`;
      }
    }
    return new StreamableFile(Readable.from(chunks()), { type: 'text/plain' });
  }

  @Get('me')
  @UseGuards(FakeUserGuard)
  me(): { ok: true } {
    return { ok: true };
  }

  @Get('me/fail')
  @UseGuards(FakeUserGuard)
  failForUser(): never {
    throw new Error('failed for a signed-in user');
  }

  @Post('login')
  // Reads its body, as a login does: a route without one refuses fields.
  login(@Body() _credentials: unknown): never {
    throw new Error('login failed for a reason only the log should see');
  }
}

/** Collects the app's JSON log lines. */
class CapturedLog extends LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  /** The entries of the request with this id (its `req.id`). */
  ofRequest(id: string): Record<string, unknown>[] {
    return this.entries().filter((e) => (e.req as { id?: string } | undefined)?.id === id);
  }
}

describe('operations', () => {
  let t: TestApp;
  const log = new CapturedLog();

  beforeAll(async () => {
    t = await startTestApp({
      controllers: [OpsProbeController],
      env: { LOG_LEVEL: 'info' },
      override: (b) => b.overrideProvider(LogDestination).useValue(log),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /metrics', () => {
    test('serves Prometheus text outside /api/v1', async () => {
      const res = await t.http.get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toMatch(/^# HELP /m);
      await t.http.get('/api/v1/metrics').expect(404);
    });

    test('counts requests by route template, not by raw URL', async () => {
      const before = await t.http.get('/metrics');
      const labels = { method: 'GET', route: '/api/v1/ops-probe/items/:id', status: '200' };
      const countBefore = sample(before.text, 'http_request_duration_seconds_count', labels) ?? 0;

      await t.http.get('/api/v1/ops-probe/items/abc-123').expect(200);
      await t.http.get('/api/v1/ops-probe/items/def-456').expect(200);

      const after = (await t.http.get('/metrics')).text;
      expect(sample(after, 'http_request_duration_seconds_count', labels)).toBe(countBefore + 2);
      expect(after).not.toContain('abc-123');
      expect(after).not.toContain('def-456');
    });

    test('unknown URLs share one "unmatched" series', async () => {
      await t.http.get('/api/v1/no-such-thing/1').expect(404);
      await t.http.get('/api/v1/no-such-thing/2').expect(404);
      const text = (await t.http.get('/metrics')).text;
      const labels = { route: 'unmatched', status: '404' };
      expect(sample(text, 'http_request_duration_seconds_count', labels)).toBeGreaterThanOrEqual(2);
      expect(text).not.toContain('no-such-thing');
    });

    test('has process, event-loop lag and connection pool metrics', async () => {
      await t.http.get('/health/ready').expect(200);
      const text = (await t.http.get('/metrics')).text;
      expect(sample(text, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);
      expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
      expect(sample(text, 'db_pool_connections_total', {})).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'db_pool_connections_idle', {})).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'db_pool_requests_waiting', {})).toBe(0);
    });

    test('features register their own metrics through MetricsService', async () => {
      const metrics = t.get(MetricsService);
      const events = metrics.counter({
        name: 'test_webhook_events_total',
        help: 'Events seen by a test',
        labelNames: ['type'],
      });
      expect(metrics.counter({ name: 'test_webhook_events_total', help: 'again' })).toBe(events);
      expect(() => metrics.gauge({ name: 'test_webhook_events_total', help: 'x' })).toThrow(
        /another kind/,
      );
      events.inc({ type: 'payment_intent.succeeded' }, 3);
      const text = (await t.http.get('/metrics')).text;
      expect(sample(text, 'test_webhook_events_total', { type: 'payment_intent.succeeded' })).toBe(
        3,
      );
    });
  });

  describe('logs', () => {
    test('carry the request id and, behind a guard, the user id', async () => {
      await t.http.get('/api/v1/ops-probe/me').set('X-Request-Id', 'req-user-line').expect(200);
      const line = log.ofRequest('req-user-line')[0];
      expect(line).toMatchObject({ userId: 'user-42', res: { statusCode: 200 } });
    });

    test('have a line for requests refused before the request logger, with the request id', async () => {
      const refused: [string, number][] = [];
      await t.http
        .get('/api/v1/ops-probe/items/1')
        .set('X-Request-Id', 'req-refused-accept')
        .set('Accept', 'image/png')
        .expect(406);
      refused.push(['req-refused-accept', 406]);
      await t.http
        .post('/api/v1/ops-probe/login')
        .set('X-Request-Id', 'req-refused-encoding')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .send('{}')
        .expect(415);
      refused.push(['req-refused-encoding', 415]);
      // Refused by the server in front of Fastify: an HTTP/1.1 request without a Host.
      const server = t.app.getHttpServer() as Server;
      try {
        const port = await listeningPort(server);
        await rawConnection(
          port,
          'GET /api/v1/ops-probe/items/3 HTTP/1.1\r\nX-Request-Id: req-refused-host\r\n\r\n',
        ).received;
      } finally {
        await stopListening(server);
      }
      refused.push(['req-refused-host', 400]);
      expect(log.ofRequest('req-refused-host')[0]).toMatchObject({
        req: { method: 'GET', url: '/api/v1/ops-probe/items/3' },
      });
      for (const [id, status] of refused) {
        const lines = log.ofRequest(id);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({
          level: 30,
          msg: 'request completed',
          res: { statusCode: status },
          responseTime: expect.any(Number),
        });
      }
    });

    test('have one line, not two, for a request the request logger saw', async () => {
      await t.http
        .get('/api/v1/ops-probe/items/2')
        .set('X-Request-Id', 'req-seen-once')
        .expect(200);
      const lines = log.ofRequest('req-seen-once').filter((e) => e.msg === 'request completed');
      expect(lines).toHaveLength(1);
    });

    test("a 5xx's error line says which user it failed for", async () => {
      await t.http
        .get('/api/v1/ops-probe/me/fail')
        .set('X-Request-Id', 'req-user-fail')
        .expect(500);
      const failure = log.ofRequest('req-user-fail').find((e) => e.msg === 'request failed');
      expect(failure).toMatchObject({ level: 50, userId: 'user-42' });
    });

    test('never contain tokens, cookies or passwords', async () => {
      const from = log.lines.length;
      await t.http
        .post('/api/v1/ops-probe/login')
        .set('X-Request-Id', 'req-secret-line')
        .set('Authorization', `Bearer ${SECRET_TOKEN}`)
        .set('Cookie', `session=${SECRET_TOKEN}`)
        .set('X-Cart-Token', SECRET_CART)
        .send({ email: 'a@example.com', password: SECRET_PASSWORD, refreshToken: SECRET_TOKEN })
        .expect(500);
      const written = log.lines.slice(from).join('\n');
      // The request was logged (request line and the 500's cause) ...
      expect(written).toContain('req-secret-line');
      expect(written).toContain('login failed for a reason only the log should see');
      // ... without any of its secrets.
      for (const secret of [SECRET_TOKEN, SECRET_PASSWORD, SECRET_CART]) {
        expect(written).not.toContain(secret);
      }
    });
  });

  describe('request deadline (REQUEST_TIMEOUT_MS 1 s)', () => {
    // An app of their own: at 1 s, an ordinary request on a loaded machine
    // (the first scrape of /metrics plans its queries on a cold connection)
    // could meet the deadline the tests below are timed around.
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        controllers: [OpsProbeController],
        env: { REQUEST_TIMEOUT_MS: '1000' },
      });
    });
    afterAll(async () => {
      await t?.close();
    });

    test('a handler slower than REQUEST_TIMEOUT_MS → 503 problem with Retry-After', async () => {
      const res = await t.http.get('/api/v1/ops-probe/slow').expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ status: 503, instance: '/api/v1/ops-probe/slow' });
      expect(res.body.detail).toMatch(/did not complete within 1000 ms/);
    });

    describe('a transaction still committing at REQUEST_TIMEOUT_MS (1 s)', () => {
      const committed = async (id: string) =>
        (
          await t
            .get(DataSource)
            .query<unknown[]>('SELECT 1 FROM ops_probe_commits WHERE id = $1', [id])
        ).length === 1;
      beforeAll(async () => {
        await t.get(DataSource).query(SLOW_COMMIT_TABLE);
      });

      test('is answered with its outcome once the commit is in, not a 503', async () => {
        const res = await t.http.post('/api/v1/ops-probe/slow-commit/c1/1.2');
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ id: 'c1' });
        expect(await committed('c1')).toBe(true);
      });

      test('a request that committed part of its work before its deadline → 503 saying so, and its later transactions still commit', async () => {
        const res = await t.http.post('/api/v1/ops-probe/two-steps/p1');
        expect(res.status).toBe(503);
        expect(res.body.detail).toMatch(/part of it may have taken effect/);
        expect(await committed('p1-first')).toBe(true);
        // Refused, the second step would leave the first half done for good.
        let second = false;
        for (let i = 0; i < 50 && !second; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          second = await committed('p1-second');
        }
        expect(second).toBe(true);
      });

      test('is answered 503 "outcome unknown" when the commit is still out a whole timeout later', async () => {
        const res = await t.http.post('/api/v1/ops-probe/slow-commit/c2/3');
        expect(res.status).toBe(503);
        expect(res.body.detail).toMatch(
          /commit did not complete within 2000 ms: whether it took effect is unknown/,
        );
      });
    });

    test('a reply already streaming when REQUEST_TIMEOUT_MS passes is left to finish, not cut by a 503', async () => {
      const res = await t.http.get('/api/v1/ops-probe/stream').expect(200);
      expect(res.text).toBe(Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`).join(''));
      // The app still answers.
      await t.http.get('/api/v1/ops-probe/items/after-stream').expect(200);
    });
  });
});
