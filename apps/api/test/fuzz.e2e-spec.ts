import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';

import { aVariant, type TestVariant } from './support/catalog-fixtures.js';
import {
  bodyArb,
  encodeQueryValue,
  FUZZ_SEED,
  queryValueArb,
  routes,
  type RouteSpec,
} from './support/fuzz.js';
import { anAddress } from './support/shop.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { aCustomer, anAdmin, type TestUser } from './support/users.js';

const PROBLEM = /^application\/problem\+json/;
const ADDRESS = anAddress();
/** Per route and caller; bounded so the file stays in seconds and replays exactly. */
const RUNS_AUTHORISED = 40;
const RUNS_ANONYMOUS = 15;
const RUNS_QUERY = 60;
/**
 * Replies the app gives on any route whatever the document lists per route;
 * 431 answers a URL beyond Node's 16 KiB header limit, before the app sees
 * the request (as problem+json all the same: client-error.ts).
 */
const GLOBAL_STATUSES = new Set([404, 413, 415, 431]);

const bodyRoutes = routes(['post', 'patch']);
const listRoutes = routes(['get']).filter((r) =>
  (r.operation.parameters ?? []).some((p) => p.in === 'query'),
);

let runs = 0;

/**
 * fc.assert, with a report short enough to read: the failing input cut to a
 * few hundred characters (some are 100 kB strings) and the seed to replay it.
 */
async function check<T>(
  property: fc.IAsyncPropertyWithHooks<T>,
  params: { seed: number; numRuns: number },
): Promise<void> {
  const details = await fc.check(property, { ...params });
  if (details.failed) {
    const input = JSON.stringify(details.counterexample)?.slice(0, 400);
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
    throw new Error(
      `seed ${params.seed}, run ${details.numRuns}: ${cause.slice(0, 600)}\ninput: ${input}`,
    );
  }
}
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

describe(`fuzz (fast-check seed ${FUZZ_SEED})`, () => {
  let t: TestApp;
  let admin: TestUser;
  let customer: TestUser;
  let variant: TestVariant;
  let lineId: string;
  let buyer: TestUser;
  let orderId: string;

  beforeAll(async () => {
    process.stdout.write(`[fuzz] fast-check seed ${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED})\n`);
    process.on('unhandledRejection', onUnhandled);
    t = await startTestApp();
    admin = await anAdmin(t);
    customer = await aCustomer(t);
    variant = await aVariant(t, { stock: 1_000 });
    const added = await t.http
      .post('/api/v1/cart/items')
      .set(customer.auth)
      .send({ variantId: variant.id, quantity: 1 })
      .expect(201);
    lineId = (added.body as { lines: { id: string }[] }).lines[0]!.id;
    // A second customer with an order, for the order routes' ids.
    buyer = await aCustomer(t);
    await t.http
      .post('/api/v1/cart/items')
      .set(buyer.auth)
      .send({ variantId: variant.id, quantity: 1 })
      .expect(201);
    const placed = await t.http
      .post('/api/v1/checkout')
      .set(buyer.auth)
      .set('Idempotency-Key', 'fuzz-setup')
      .send({ shippingAddress: ADDRESS })
      .expect(201);
    orderId = (placed.body as { order: { id: string } }).order.id;
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.stdout.write(`[fuzz] ${runs} fuzzed requests, seed ${FUZZ_SEED}\n`);
    // close() also checks every reply against openapi.json (status and schema).
    await t?.close();
  });

  function realPath(route: RouteSpec, odd: string | undefined): string {
    return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (odd !== undefined) return encodeQueryValue(odd);
      if (name === 'lineId') return lineId;
      if (/\/orders\//.test(route.path)) return orderId;
      if (route.path.startsWith('/api/v1/admin/variants')) return variant.id;
      return variant.productId;
    });
  }

  function callerFor(route: RouteSpec): TestUser | undefined {
    if (route.path.startsWith('/api/v1/admin')) return admin;
    if (/^\/api\/v1\/(orders|checkout)/.test(route.path)) return buyer;
    if (route.operation.security?.some((s) => 'bearer' in s)) return customer;
    return undefined;
  }

  function expectSane(
    route: RouteSpec,
    res: { status: number; headers: Record<string, string> },
    sent: string,
  ): void {
    const where = `${route.method.toUpperCase()} ${route.path} ← ${sent.slice(0, 300)}`;
    if (res.status >= 500 || !(route.documents(res.status) || GLOBAL_STATUSES.has(res.status))) {
      throw new Error(`${where}\n→ ${res.status} (not a documented reply)`);
    }
    if (res.status >= 400 && !PROBLEM.test(res.headers['content-type'] ?? '')) {
      throw new Error(`${where}\n→ ${res.status} without problem+json`);
    }
  }

  describe.each(bodyRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s',
    (_name, route) => {
      const oddId = fc.option(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), {
        freq: 5,
        nil: undefined,
      });
      const send = async (body: string, odd: string | undefined, who: TestUser | undefined) => {
        runs += 1;
        let req = t.http[route.method](realPath(route, odd)).set(
          'Content-Type',
          'application/json',
        );
        if (who) req = req.set(who.auth);
        const res = await req.send(body);
        expectSane(route, res, body);
        return res;
      };

      test(`${RUNS_AUTHORISED} generated bodies as an authorised caller: no 5xx, problem+json 4xx`, async () => {
        await check(
          fc.asyncProperty(bodyArb(route.fields), oddId, (body, odd) =>
            send(body, odd, callerFor(route)).then(() => undefined),
          ),
          { seed: FUZZ_SEED, numRuns: RUNS_AUTHORISED },
        );
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
      });

      test(`${RUNS_ANONYMOUS} generated bodies anonymously`, async () => {
        await check(
          fc.asyncProperty(bodyArb(route.fields), oddId, async (body, odd) => {
            const res = await send(body, odd, undefined);
            if (callerFor(route)) expect(res.status).not.toBe(200);
            if (callerFor(route)) expect(res.status).not.toBe(201);
          }),
          { seed: FUZZ_SEED + 1, numRuns: RUNS_ANONYMOUS },
        );
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      });
    },
  );

  describe.each(listRoutes.map((r) => [`GET ${r.path}`, r] as const))('%s', (_name, route) => {
    const params = (route.operation.parameters ?? [])
      .filter((p) => p.in === 'query')
      .map((p) => p.name);

    test(`${RUNS_QUERY} generated query strings: no 5xx, problem+json 4xx`, async () => {
      const query = fc.dictionary(
        fc.constantFrom(...params, '__proto__', 'limit[]'),
        queryValueArb,
        {
          maxKeys: 4,
        },
      );
      await check(
        fc.asyncProperty(query, async (q) => {
          runs += 1;
          const qs = Object.entries(q)
            .flatMap(([k, vs]) => vs.map((v) => `${encodeQueryValue(k)}=${encodeQueryValue(v)}`))
            .join('&');
          const who = callerFor(route);
          let req = t.http.get(`${realPath(route, undefined)}?${qs}`);
          if (who) req = req.set(who.auth);
          const res = await req;
          expectSane(route, res, qs);
        }),
        { seed: FUZZ_SEED, numRuns: RUNS_QUERY },
      );
    });
  });

  test('afterwards: no prototype polluted, no unhandled rejection, the app still serves', async () => {
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(unhandled).toEqual([]);
    await t.http.get('/health/ready').expect(200);
    const product = await t.http.get(`/api/v1/products/${variant.productId}`);
    expect(product.status).toBe(200);
  });
});
