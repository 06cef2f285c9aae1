import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { DataSource } from 'typeorm';

import { CHECK_REUSE_MS } from '../src/health/health.controller.js';
import {
  FrontDoor,
  type FrontDoorAnswer,
  type FrontDoorReply,
} from '../src/infrastructure/http/front-door.js';
import { ShutdownState } from '../src/infrastructure/lifecycle/shutdown-state.js';
import { eventually } from './support/processes.js';
import { listeningPort, rawConnection, stopListening } from './support/raw-http.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { adminQuery } from './support/test-database.js';

class ProbeDto {
  @IsString()
  @MaxLength(50)
  name!: string;

  @IsInt()
  @Min(1)
  @Max(99)
  quantity!: number;
}

/** A route that exists only in this test, to drive the request pipeline. */
@Controller('probe')
class ProbeController {
  /** GETs that reached the controller, i.e. were routed by Fastify and Nest. */
  static routed = 0;

  @Get()
  ping(): { pong: true } {
    ProbeController.routed += 1;
    return { pong: true };
  }

  @Post()
  echo(@Body() body: ProbeDto): ProbeDto {
    return body;
  }

  /** What GET /probe/held waits for before it answers. */
  static gate: Promise<void> = Promise.resolve();
  /** Requests waiting at the gate. */
  static holding = 0;

  @Get('held')
  async held(): Promise<{ held: true }> {
    ProbeController.holding += 1;
    try {
      await ProbeController.gate;
    } finally {
      ProbeController.holding -= 1;
    }
    return { held: true };
  }
}

const PROBLEM = /^application\/problem\+json/;

/** A promise the test settles: an answer that comes when the test says. */
function later<T>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

/** A front-door reply with a plain text body, framed as the door's features frame theirs. */
function textReply(text: string): FrontDoorReply {
  const body = Buffer.from(text);
  return {
    route: '/api/v1/probe',
    status: 200,
    headers: ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length)],
    body,
  };
}

/**
 * Answers given at the door for URLs of the probe route, by URL, with the
 * requests they were asked for. One answerer serves them all: a door keeps
 * its answerers for the life of the app.
 */
function lateAnswers(t: TestApp) {
  const byUrl = new Map<string, () => FrontDoorAnswer>();
  const asked: IncomingMessage[] = [];
  const door = FrontDoor.of(t.app.getHttpAdapter().getInstance())!;
  door.answer((req) => {
    const answer = byUrl.get(req.url ?? '');
    if (answer) asked.push(req);
    return answer?.();
  });
  const observed: string[] = [];
  door.observe((_method, route) => observed.push(route));
  return { byUrl, asked, observed };
}

describe('foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ controllers: [ProbeController], env: { BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('GET /health/live → 200', async () => {
    const res = await t.http.get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('GET /health/live is answered before Fastify, as the controller answers it', async () => {
    const answeredEarly: string[] = [];
    FrontDoor.of(t.app.getHttpAdapter().getInstance())!.observe((_method, route) =>
      answeredEarly.push(route),
    );
    const early = await t.http.get('/health/live').expect(200);
    expect(answeredEarly).toEqual(['/health/live']);
    // A query string is not the probe's URL: the controller answers.
    const routed = await t.http.get('/health/live?from=test').expect(200);
    expect(answeredEarly).toEqual(['/health/live']);
    expect(early.text).toBe(routed.text);
    const headers = (res: { headers: Record<string, string> }) => {
      const { date: _d, 'x-request-id': _id, 'x-ratelimit-remaining': _r, ...rest } = res.headers;
      return rest;
    };
    expect(headers(early)).toEqual(headers(routed));
  });

  test('a feature whose front-door answer throws leaves the request to Fastify', async () => {
    FrontDoor.of(t.app.getHttpAdapter().getInstance())!.answer((req) => {
      if (req.url === '/health/ready?fault=1') throw new Error('answerer fault');
      return undefined;
    });
    const res = await t.http.get('/health/ready?fault=1').expect(200);
    expect(res.body.details.database.status).toBe('up');
  });

  describe('answers that come later (a lookup in a shared cache)', () => {
    let door: ReturnType<typeof lateAnswers>;
    beforeAll(() => {
      door = lateAnswers(t);
    });
    afterAll(async () => {
      await stopListening(t.app.getHttpServer() as Server);
    });

    test('a later answer is sent as one given at once is: request id, security and budget headers, metrics', async () => {
      door.byUrl.set(
        '/api/v1/probe?door=later',
        () => new Promise((resolve) => setImmediate(() => resolve(textReply('later')))),
      );
      const routed = ProbeController.routed;
      const res = await t.http
        .get('/api/v1/probe?door=later')
        .set('X-Request-Id', 'door-later')
        .expect(200);
      expect(res.text).toBe('later');
      expect(res.headers).toMatchObject({
        'x-request-id': 'door-later',
        'x-content-type-options': 'nosniff',
        'x-ratelimit-limit': String(t.config.rateLimitPerMinute),
        vary: 'Origin',
      });
      expect(ProbeController.routed).toBe(routed);
      expect(door.observed).toContain('/api/v1/probe');
    });

    test('an answer that fails, finds nothing or never comes leaves the request to Fastify', async () => {
      door.byUrl.set('/api/v1/probe?door=fails', () => Promise.reject(new Error('lookup failed')));
      door.byUrl.set('/api/v1/probe?door=none', () => Promise.resolve(undefined));
      // Never settled: the door stops waiting after its answer timeout.
      door.byUrl.set('/api/v1/probe?door=never', () => new Promise<undefined>(() => undefined));
      const routed = ProbeController.routed;
      const remaining = (res: { headers: Record<string, string> }) =>
        Number(res.headers['x-ratelimit-remaining']);
      // A request routed at once: the budget left before the others.
      let left = remaining(await t.http.get('/api/v1/probe').expect(200));
      for (const url of ['fails', 'none', 'never'].map((d) => `/api/v1/probe?door=${d}`)) {
        const res = await t.http.get(url).expect(200);
        expect(res.body).toEqual({ pong: true });
        // Charged once, by the door, whose verdict Fastify's hook reuses.
        expect(res.headers['x-ratelimit-limit']).toBe(String(t.config.rateLimitPerMinute));
        expect(remaining(res)).toBe(left - 1);
        left = remaining(res);
      }
      expect(ProbeController.routed).toBe(routed + 4);
    });

    test('a request pipelined behind one waiting for its answer is answered after it, in order', async () => {
      const held = later<FrontDoorReply>();
      door.byUrl.set('/api/v1/probe?door=held', () => held.promise);
      const port = await listeningPort(t.app.getHttpServer() as Server);
      const { received } = rawConnection(
        port,
        'GET /api/v1/probe?door=held HTTP/1.1\r\nHost: x\r\n\r\n' +
          'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      const probes = door.observed.length;
      // The second request is answered (from memory) while the first still waits.
      expect(await eventually(() => door.observed.slice(probes).includes('/health/live'))).toBe(
        true,
      );
      held.settle(textReply('held'));
      const replies = (await received).split('HTTP/1.1 ').slice(1);
      expect(replies).toHaveLength(2);
      expect(replies[0]).toMatch(/^200 [\s\S]*\r\n\r\nheld$/);
      expect(replies[1]).toMatch(/^200 [\s\S]*\r\n\r\n\{"status":"ok"\}$/);
    });

    test('a client that leaves before its answer comes gets nothing, and nothing is routed for it', async () => {
      const held = later<FrontDoorReply>();
      door.byUrl.set('/api/v1/probe?door=left', () => held.promise);
      const port = await listeningPort(t.app.getHttpServer() as Server);
      const asked = door.asked.length;
      const { socket, received } = rawConnection(
        port,
        'GET /api/v1/probe?door=left HTTP/1.1\r\nHost: x\r\n\r\n',
      );
      expect(await eventually(() => door.asked.length > asked)).toBe(true);
      const req = door.asked.at(-1)!;
      const gone = new Promise((r) => req.once('close', r));
      socket.destroy();
      await gone;
      const routed = ProbeController.routed;
      const observed = door.observed.length;
      held.settle(textReply('too late'));
      expect(await received).toBe('');
      // Whatever the door did with it has run by the time the next request is answered.
      await t.http.get('/api/v1/probe').expect(200);
      expect(ProbeController.routed).toBe(routed + 1);
      expect(door.observed.length).toBe(observed);
    });
  });

  test('GET /health/ready → 200 when the database answers', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.details.database.status).toBe('up');
  });

  test('GET /health/ready: a burst of probes shares one database check; a probe a second later runs its own', async () => {
    const query = jest.spyOn(t.get(DataSource), 'query');
    // Terminus' TypeORM ping is this query.
    const pings = () => query.mock.calls.filter(([sql]) => sql === 'SELECT 1').length;
    try {
      // Past the reuse of an earlier test's check.
      await sleep(1200);
      const began = Date.now();
      const burst = await Promise.all(
        Array.from({ length: 25 }, () => t.http.get('/health/ready')),
      );
      const lasted = Date.now() - began;
      expect(burst.map((r) => r.status)).toEqual(burst.map(() => 200));
      expect(pings()).toBeGreaterThanOrEqual(1);
      // One check per second of reuse the burst spans: one when it takes
      // under a second, more only where a loaded machine stretches it; and
      // always fewer than one per probe.
      const reuses = 1 + Math.floor(lasted / CHECK_REUSE_MS);
      expect(pings()).toBeLessThanOrEqual(Math.min(reuses, burst.length - 1));

      const before = pings();
      await sleep(1200);
      await t.http.get('/health/ready').expect(200);
      expect(pings()).toBe(before + 1);
    } finally {
      query.mockRestore();
    }
  });

  test('GET /health/ready → 503 "shutting down" once the stop signal is handled, the database still up', async () => {
    // An app of its own: the state does not go back.
    const own = await startTestApp();
    try {
      await own.http.get('/health/ready').expect(200);
      own.get(ShutdownState).begin();
      const res = await own.http.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body.detail).toBe('Not ready: shutting down');
      expect(res.body.checks.database.status).toBe('up');
    } finally {
      await own.close();
    }
  });

  test("every reply carries a request id, the caller's when given", async () => {
    const mine = await t.http.get('/health/live').set('X-Request-Id', 'abc-123');
    expect(mine.headers['x-request-id']).toBe('abc-123');
    const fresh = await t.http.get('/health/live').set('X-Request-Id', 'bad id with spaces');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('GET /docs serves Swagger UI and /docs/openapi.json the 3.1 document', async () => {
    const ui = await t.http.get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await t.http.get('/docs/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.paths['/health/ready']).toBeDefined();
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  test('a valid body passes the pipeline under /api/v1', async () => {
    const res = await t.http.post('/api/v1/probe').send({ name: 'x', quantity: 2 }).expect(201);
    expect(res.body).toEqual({ name: 'x', quantity: 2 });
  });

  test('unknown route → 404 problem', async () => {
    const res = await t.http.get('/api/v1/does-not-exist').expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status: 404,
      title: 'Not found',
      instance: '/api/v1/does-not-exist',
    });
    expect(res.body.type).toMatch(/^https:\/\/minishop\.dev\/problems\//);
  });

  test('malformed JSON → 400 problem', async () => {
    const res = await t.http
      .post('/api/v1/probe')
      .set('Content-Type', 'application/json')
      .send('{"name": "x", ')
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.status).toBe(400);
    expect(res.body.detail).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js:\d+/);
  });

  test('unknown field → 400 problem naming it', async () => {
    const res = await t.http
      .post('/api/v1/probe')
      .send({ name: 'x', quantity: 1, role: 'admin' })
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.errors).toEqual([{ field: 'role', message: 'role is not allowed' }]);
  });

  test('wrong types → 400 problem with one entry per field', async () => {
    const res = await t.http.post('/api/v1/probe').send({ name: 5, quantity: 'many' }).expect(400);
    expect(res.body.title).toBe('Validation failed');
    const fields = new Set(res.body.errors.map((e: { field: string }) => e.field));
    expect([...fields].sort()).toEqual(['name', 'quantity']);
  });

  test('oversized body → 413 problem', async () => {
    const res = await t.http
      .post('/api/v1/probe')
      .send({ name: 'x'.repeat(5000), quantity: 1 })
      .expect(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.status).toBe(413);
  });

  test('wrong content type → 415 problem', async () => {
    const res = await t.http
      .post('/api/v1/probe')
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  test('a compressed body → 415 problem naming the coding, with Accept-Encoding: identity', async () => {
    const body = JSON.stringify({ name: 'x', quantity: 1 });
    // gzip was read as bytes and refused as "not valid JSON" (400); a br
    // label on a plain body was obeyed as if absent (201).
    for (const [coding, payload] of [
      ['gzip', gzipSync(body)],
      ['br', Buffer.from(body)],
    ] as const) {
      const res = await t.http
        .post('/api/v1/probe')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', coding)
        .send(payload)
        .expect(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.headers['accept-encoding']).toBe('identity');
      expect(res.body.detail).toContain(`"${coding}" is not supported`);
    }
    // identity is no coding at all, and without a body the label is moot
    await t.http.get('/api/v1/probe').set('Content-Encoding', 'gzip').expect(200);
    await t.http
      .post('/api/v1/probe')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'identity')
      .send(body)
      .expect(201);
  });

  test("what Node's HTTP parser refuses is a problem+json too, with the security headers and a request id", async () => {
    const server = t.app.getHttpServer() as Server;
    const port = await listeningPort(server);
    try {
      const cases: [string, number, string][] = [
        // Over Node's 16 KiB limit for the request line and headers.
        [
          `GET /api/v1/probe?q=${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
          431,
          'headers-too-large',
        ],
        [
          'GET /api/v1/probe HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\x7fb\r\n\r\n',
          400,
          'bad-request',
        ],
        ['NOT HTTP AT ALL\r\n\r\n', 400, 'bad-request'],
      ];
      for (const [text, status, type] of cases) {
        const reply = await rawConnection(port, text).received;
        const [head = '', body = ''] = reply.split('\r\n\r\n');
        expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
        expect(head).toMatch(/\r\nx-content-type-options: nosniff/i);
        expect(head).toMatch(/\r\ncontent-security-policy: default-src 'none'/i);
        const id = /\r\nx-request-id: ([0-9a-f-]{36})/i.exec(head)?.[1];
        expect(id).toBeDefined();
        expect(JSON.parse(body)).toMatchObject({
          type: `https://minishop.dev/problems/${type}`,
          status,
          instance: `urn:uuid:${id}`,
        });
      }
    } finally {
      await stopListening(server);
    }
  });

  test('an HTTP/1.1 request without a Host → 400 problem with the security headers and a request id', async () => {
    const server = t.app.getHttpServer() as Server;
    const port = await listeningPort(server);
    try {
      const reply = await rawConnection(port, 'GET /api/v1/probe HTTP/1.1\r\n\r\n').received;
      const [head = '', body = ''] = reply.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1.1 400 /);
      expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(head).toMatch(/\r\nx-content-type-options: nosniff/i);
      expect(head).toMatch(/\r\nx-request-id: \S+/i);
      expect(JSON.parse(body)).toMatchObject({
        type: 'https://minishop.dev/problems/bad-request',
        status: 400,
        detail: expect.stringMatching(/Host/),
      });
      // HTTP/1.0 did not require one.
      const old = await rawConnection(port, 'GET /health/live HTTP/1.0\r\n\r\n').received;
      expect(old).toMatch(/^HTTP\/1.1 200 /);
    } finally {
      await stopListening(server);
    }
  });

  test('a form-encoded body → 415 problem, as any body that is not JSON', async () => {
    const res = await t.http
      .post('/api/v1/probe')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('name=x&quantity=2')
      .expect(415);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.status).toBe(415);
  });

  test('a CSV body anywhere but the import → 415 problem, not an error per byte', async () => {
    for (const path of ['/api/v1/probe', '/api/v1/cart']) {
      const res = await t.http
        .post(path)
        .set('Content-Type', 'text/csv; charset=utf-8')
        .send('a'.repeat(500_000))
        .expect(415);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 415, detail: expect.stringContaining('text/csv') });
      // A reply like any other: the headers every reply carries.
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toBeDefined();
    }
    // Without a body, the label describes nothing and refuses nothing.
    const poll = await t.http.get('/api/v1/cart').set('Content-Type', 'text/csv').expect(404);
    expect(poll.body.type).toMatch(/cart-not-found$/);
  });

  test('an array or a string where the body is an object → one 400, not an error per element', async () => {
    for (const body of [JSON.stringify(Array.from({ length: 900 }, () => 1)), '"abc"']) {
      const res = await t.http
        .post('/api/v1/probe')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(res.body.errors).toEqual([
        { field: 'body', message: 'The request body must be a JSON object' },
      ]);
    }
  });

  test('a body of 200 unknown fields → 400 listing the first 100 and counting all', async () => {
    const body = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 1]));
    const res = await t.http.post('/api/v1/probe').send({ ...body, name: 'x', quantity: 1 });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(100);
    expect(res.body.errors[0]).toEqual({ field: 'k0', message: 'k0 is not allowed' });
    expect(res.body.detail).toBe('The request has 200 invalid fields; the first 100 are listed');
  });

  test('POST /cart with fields → 400 naming them: a route that takes no body ignores none', async () => {
    const res = await t.http
      .post('/api/v1/cart')
      .send({ variantId: '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b', quantity: 1 })
      .expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.title).toBe('Validation failed');
    expect(res.body.errors).toEqual([
      { field: 'variantId', message: 'variantId is not allowed' },
      { field: 'quantity', message: 'quantity is not allowed' },
    ]);
  });

  test('POST /cart with no body or an empty object → 201', async () => {
    await t.http.post('/api/v1/cart').expect(201);
    await t.http.post('/api/v1/cart').send({}).expect(201);
  });

  test('GET /health/ready → 503 once the database refuses connections, then recovers', async () => {
    const name = t.db.name;
    // A fresh "up" result, which probes may reuse for a second.
    await t.http.get('/health/ready').expect(200);
    await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      name,
    ]);
    try {
      // Probes share a result for a second, so a few still answer 200.
      let down = await t.http.get('/health/ready');
      for (let i = 0; i < 300 && down.status === 200; i++) {
        await sleep(50);
        down = await t.http.get('/health/ready');
      }
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(PROBLEM);
      expect(down.body.checks.database.status).toBe('down');
    } finally {
      await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await t.http.get('/health/ready')).status;
      if (status !== 200) await sleep(100);
    }
    expect(status).toBe(200);
  });
});

describe('front door while the server closes', () => {
  let t: TestApp;
  let closed: Promise<void> | undefined;

  beforeAll(async () => {
    // The answer below is held until the close has begun, which comes only
    // after the app's other shutdown hooks: on a loaded machine that can take
    // longer than the door's default wait, which would route the request
    // before the close and leave nothing to shed.
    t = await startTestApp({
      controllers: [ProbeController],
      env: { REQUEST_TIMEOUT_MS: '120000', CATALOG_CACHE_WAIT_MS: '30000' },
    });
  });
  afterAll(async () => {
    await (closed ?? t?.close());
  });

  test('an answer that comes after the close began: the request is shed with a 503 problem', async () => {
    const door = lateAnswers(t);
    const held = later<FrontDoorReply>();
    door.byUrl.set('/api/v1/probe?door=closing', () => held.promise);
    // Listening as serve-http.ts does, so that Fastify's close stops the server.
    await t.app.listen(0, '127.0.0.1');
    const server = t.app.getHttpServer() as Server;
    const { received } = rawConnection(
      (server.address() as AddressInfo).port,
      'GET /api/v1/probe?door=closing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(await eventually(() => door.asked.length > 0)).toBe(true);
    const routed = ProbeController.routed;
    closed = t.close();
    // Fastify stops the server once its preClose hooks (the door's) have run;
    // the close then waits for this connection.
    expect(await eventually(() => !server.listening)).toBe(true);
    held.settle(textReply('from the door'));
    const reply = await received;
    expect(reply).toMatch(/^HTTP\/1.1 503 /);
    const [head = '', body = ''] = reply.split('\r\n\r\n');
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(head).toMatch(/\r\nretry-after: 5/i);
    expect(head).toMatch(/\r\nconnection: close/i);
    expect(head).toMatch(/\r\nx-request-id: \S+/i);
    expect(head).toMatch(/\r\nx-content-type-options: nosniff/i);
    expect(JSON.parse(body)).toMatchObject({
      type: 'https://minishop.dev/problems/unavailable',
      status: 503,
      instance: '/api/v1/probe',
    });
    expect(reply).not.toContain('from the door');
    expect(ProbeController.routed).toBe(routed);
    await closed;
  });
});

describe('closing the app while a request is in flight on a keep-alive connection', () => {
  let t: TestApp;
  let closed: Promise<void> | undefined;
  let client: Socket | undefined;

  beforeAll(async () => {
    t = await startTestApp({ controllers: [ProbeController] });
  });
  afterAll(async () => {
    // A failed test must not leave the close waiting 72 s for this connection.
    client?.destroy();
    await (closed ?? t?.close());
  });

  test('the request is answered, its connection then closed: the close does not wait out the keep-alive timeout', async () => {
    const gate = later<void>();
    ProbeController.gate = gate.promise;
    await t.app.listen(0, '127.0.0.1');
    const server = t.app.getHttpServer() as Server;
    // HTTP/1.1 without `Connection: close`: a client that keeps the
    // connection for its next request, as undici's fetch does.
    const held = rawConnection(
      (server.address() as AddressInfo).port,
      'GET /api/v1/probe/held HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    client = held.socket;
    expect(await eventually(() => ProbeController.holding > 0)).toBe(true);
    closed = t.close();
    expect(await eventually(() => !server.listening)).toBe(true);
    gate.settle();

    const settledWithin = (p: Promise<unknown>, ms: number) =>
      Promise.race([p.then(() => true), sleep(ms).then(() => false)]);
    // The server ends the connection once the reply is out...
    expect(await settledWithin(held.received, 30_000)).toBe(true);
    const reply = await held.received;
    expect(reply).toMatch(/^HTTP\/1.1 200 /);
    expect(reply).toContain('{"held":true}');
    // Told so, the client does not send its next request on it.
    expect(reply).toMatch(/\r\nconnection: close\r\n/i);
    // ...and the app's close, which was waiting for it, finishes.
    expect(await settledWithin(closed, 30_000)).toBe(true);
  });
});
