import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';

import { API } from './support/catalog.js';
import { OPENAPI_FILE } from './support/contract.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const WEBHOOK_SECRET = 'whsec_negotiation_test_secret';
const PNG_ONLY = [
  'image/png, */*;q=0',
  'image/png',
  'text/html',
  'application/json;q=0, text/*',
  // Success replies are JSON: problem documents alone, or all but JSON, will not do.
  'application/problem+json',
  'application/json;q=0, */*',
];

describe('content negotiation (Accept)', () => {
  let t: TestApp;
  let customer: TestUser;
  let admin: TestUser;
  const carts = async () =>
    Number((await t.get(DataSource).query('SELECT count(*) AS n FROM carts'))[0].n);

  beforeAll(async () => {
    t = await startTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    customer = await aCustomer(t);
    admin = await anAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('POST /cart with an Accept that rules out JSON → 406 problem, and no cart is made', async () => {
    const before = await carts();
    for (const accept of PNG_ONLY) {
      const res = await t.http.post(`${API}/cart`).set('Accept', accept);
      expect(res.status).toBe(406);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 406,
        title: 'Not acceptable',
        type: 'https://minishop.dev/problems/not-acceptable',
        instance: `${API}/cart`,
      });
      expect(res.body.detail).toContain('application/json');
      expect(res.headers['x-request-id']).toBeDefined();
    }
    expect(await carts()).toBe(before);
  });

  test('Accept values that allow JSON keep working', async () => {
    for (const accept of [
      undefined,
      '',
      '*/*',
      'application/*',
      'application/json',
      'APPLICATION/JSON',
      'application/json; charset=utf-8',
      'image/png, application/json;q=0.1',
      'image/png;q=1, */*;q=0.01',
      'application/json, text/plain, */*',
      'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    ]) {
      const req = t.http.get(`${API}/me`).set(customer.auth);
      const res = await (accept === undefined ? req : req.set('Accept', accept));
      expect({ accept, status: res.status }).toEqual({ accept, status: 200 });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    // A failure is still the usual problem reply, though Accept names JSON only.
    const res = await t.http.get(`${API}/me`).set('Accept', 'application/json');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  test('GET /categories answered from the cache still refuses an Accept that rules out JSON', async () => {
    await t.http.get(`${API}/categories`).expect(200);
    await t.http.get(`${API}/categories`).expect(200);
    const res = await t.http.get(`${API}/categories`).set('Accept', 'image/png');
    expect(res.status).toBe(406);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(
      (await t.http.get('/health/live').set('Accept', 'image/png')).headers['content-type'],
    ).toMatch(/^application\/json/);
  });

  test('an unknown route stays a 404 whatever Accept says', async () => {
    const res = await t.http.get(`${API}/no-such-route`).set('Accept', 'image/png');
    expect(res.status).toBe(404);
  });

  test('routes that serve their own types, or whose callers read only the status, ignore Accept', async () => {
    const metrics = await t.http.get('/metrics').set('Accept', 'application/json').expect(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    for (const path of ['/health/live', '/health/ready'])
      await t.http.get(path).set('Accept', 'text/plain').expect(200);
    const page = await t.http.get('/docs').set('Accept', 'text/html').redirects(1).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const css = await t.http.get('/docs/swagger-ui.css').set('Accept', 'text/css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    await t.http.get('/docs/openapi.yaml').set('Accept', 'text/yaml').expect(200);
    await t.http
      .get('/docs/openapi.json')
      .set('Accept', 'application/vnd.oai.openapi+json;version=3.1')
      .expect(200);
    // The CSV export: a missing report is its own 404, not a 406.
    await t.http
      .get(`${API}/admin/reports/${randomUUID()}/download`)
      .set(admin.auth)
      .set('Accept', 'text/csv')
      .expect(404);
  });

  test('POST /webhooks/stripe acknowledges a verified event whatever Accept Stripe sends', async () => {
    const event = {
      id: `evt_accept_${randomUUID()}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type: 'customer.created',
      data: { object: { id: 'cus_accept', object: 'customer' } },
    };
    const payload = JSON.stringify(event);
    const res = await t.http
      .post(`${API}/webhooks/stripe`)
      .set('Content-Type', 'application/json')
      .set('Accept', 'application/xml')
      .set(
        'Stripe-Signature',
        Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
      )
      .send(payload);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, eventId: event.id });
  });

  test('the OpenAPI document lists the 406 exactly where it can be given', () => {
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(document.paths[`${API}/cart`]?.post?.responses['406']).toBeDefined();
    expect(document.paths[`${API}/me`]?.get?.responses['406']).toBeDefined();
    for (const [path, method] of [
      ['/metrics', 'get'],
      ['/health/live', 'get'],
      [`${API}/webhooks/stripe`, 'post'],
      [`${API}/admin/reports/{id}/download`, 'get'],
    ] as const) {
      const operation = document.paths[path]?.[method];
      expect(operation).toBeDefined();
      expect(operation?.responses['406']).toBeUndefined();
      expect(operation).not.toHaveProperty('x-ignores-accept');
    }
  });
});
