import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Body, Controller, Post } from '@nestjs/common';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';

import { FrontDoor } from '../src/infrastructure/http/front-door.js';
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
  @Post()
  echo(@Body() body: ProbeDto): ProbeDto {
    return body;
  }
}

const PROBLEM = /^application\/problem\+json/;

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

  test('GET /health/ready → 200 when the database answers', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.details.database.status).toBe('up');
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

  test('GET /health/ready → 503 while the database refuses connections, then recovers', async () => {
    const name = t.db.name;
    await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      name,
    ]);
    try {
      const down = await t.http.get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(PROBLEM);
      expect(down.body.checks.database.status).toBe('down');
    } finally {
      await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    }
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await t.http.get('/health/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
