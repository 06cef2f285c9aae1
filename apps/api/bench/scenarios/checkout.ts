import { randomBytes, randomUUID } from 'node:crypto';

import { expectStatus, type Scenario, skip, WARMUP_SECONDS } from '../scenario.js';
import { customer, products } from './fixtures.js';

const API = '/api/v1';

/**
 * The purchase path against the Stripe emulator: each connection adds an
 * item and checks out, over and over, each round as a customer no other
 * round in flight is using. Every checkout
 * locks the cart, re-prices it, reserves stock with a conditional UPDATE,
 * writes the order and its snapshots, then creates a PaymentIntent through
 * the Stripe SDK. Requests alternate (add, checkout), so orders/s is half
 * the reported requests/s; all connections buy the same variant, so this
 * also measures contention on one stock row.
 */
export const checkout: Scenario = {
  name: 'POST /checkout (add + checkout)',
  target: 'api',
  setup: async (ctx) => {
    const [product] = await products(ctx, 1);
    const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
    // Twice the connections: a run that stops (the warm-up) leaves the
    // buyers of its unfinished rounds taken for good.
    // Eight at a time: more registrations at once than the API hashes
    // passwords side by side are refused with a 503 (shed load).
    const buyers = await inBatches(
      Array.from({ length: 2 * connections }, (_, i) => i),
      8,
      () => customer(ctx),
    );
    const probe = buyers[0]!;
    const auth = { authorization: `Bearer ${probe.accessToken}` };
    expectStatus(
      await ctx.http(
        'POST',
        `${API}/cart/items`,
        { variantId: product!.variantId, quantity: 1 },
        auth,
      ),
      201,
      'POST /cart/items',
    );
    expectStatus(
      await ctx.http(
        'POST',
        `${API}/checkout`,
        { shippingAddress: ADDRESS },
        { ...auth, 'idempotency-key': randomUUID() },
      ),
      201,
      'POST /checkout',
    );

    // autocannon gives each connection a context object that it clears after
    // every round (add, then checkout). A round takes a buyer no other round
    // holds and gives it back with the checkout's reply, so two connections
    // never shop with one cart at once (which would read as 409 cart closed
    // or 422 empty cart).
    const free = buyers.map((b) => b.accessToken);
    const buyerOf = (context: object) => {
      const c = context as { token?: string };
      // None free cannot happen with twice the connections; reusing one
      // would show as the conflicts above, not go unnoticed.
      c.token ??= free.shift() ?? buyers[0]!.accessToken;
      return c.token;
    };
    const giveBack = (context: object) => {
      const c = context as { token?: string };
      if (c.token) free.push(c.token);
    };
    return [
      {
        method: 'POST',
        path: `${API}/cart/items`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ variantId: product!.variantId, quantity: 1 }),
        setupRequest: (req, context) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${buyerOf(context)}` },
        }),
      },
      {
        method: 'POST',
        path: `${API}/checkout`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ shippingAddress: ADDRESS }),
        setupRequest: (req, context) => ({
          ...req,
          headers: {
            ...req.headers,
            authorization: `Bearer ${buyerOf(context)}`,
            'idempotency-key': randomUUID(),
          },
        }),
        onResponse: (_status, _body, context) => giveBack(context),
      },
    ];
  },
};

const ADDRESS = {
  name: 'Bench Buyer',
  line1: '1 Load Street',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, task: (item: T) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    out.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  }
  return out;
}

/**
 * Checkouts of the warm-up before each measured run: enough for every
 * pooled connection to plan the checkout's statements again after the
 * harness's ANALYZE, and for the JIT to settle. None with BENCH_WARMUP=0.
 */
const WARMUP_CHECKOUTS = WARMUP_SECONDS > 0 ? 250 : 0;

/**
 * Each checkout consumes a filled cart, so setup registers `users` customers
 * and WARMUP_CHECKOUTS more (registration hashes with argon2, so this is the
 * slow part) and fills each cart with one line of a well-stocked product (a
 * million units, so 409s cannot dominate). The loop only checks out: every
 * request is another user with a fresh Idempotency-Key. The harness's probe
 * takes the first cart, the warm-up the next WARMUP_CHECKOUTS, and the
 * measured run stops when every other cart has been checked out once
 * (maxRequests).
 */
function checkoutOnlyScenario(
  name: string,
  users: number,
  load: Pick<Scenario, 'overallRate' | 'connections'> = {},
): Scenario {
  const scenario: Scenario = {
    name,
    target: 'api',
    ...load,
    setup: async (ctx) => {
      // Lines spread over a few products so reservations do not all queue on one row.
      const variants = (await products(ctx, 8)).map((p) => p.variantId);
      const buyers = await inBatches(
        Array.from({ length: users + WARMUP_CHECKOUTS }, (_, i) => i),
        8,
        async (i) => {
          const email = `bench-buyer-${i}-${randomBytes(4).toString('hex')}@example.com`;
          const reg = await ctx.http('POST', `${API}/auth/register`, {
            email,
            password: 'bench-password-1234',
            name: 'Bench Buyer',
          });
          expectStatus(reg, 201, 'POST /auth/register');
          const auth = `Bearer ${(reg.body as { accessToken: string }).accessToken}`;
          const add = await ctx.http(
            'POST',
            `${API}/cart/items`,
            { variantId: variants[i % variants.length], quantity: 1 },
            { authorization: auth },
          );
          expectStatus(add, 201, 'POST /cart/items');
          return auth;
        },
      );
      scenario.warmupRequests = WARMUP_CHECKOUTS;
      scenario.maxRequests = users - 1;
      let n = 0;
      return [
        {
          method: 'POST',
          path: `${API}/checkout`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ shippingAddress: ADDRESS }),
          setupRequest: (req) => ({
            ...req,
            headers: {
              ...req.headers,
              authorization: buyers[n++ % buyers.length]!,
              'idempotency-key': randomUUID(),
            },
          }),
        },
      ];
    },
  };
  return scenario;
}

/**
 * Checkout at saturation: 64 connections, each sending its next checkout as
 * soon as the last is answered. Figures: orders/s is its req/s, the most the
 * machine can place; with every connection always waiting, the mean latency
 * is connections ÷ throughput, so its p99 measures queueing, not the service.
 */
export const checkoutOnly = checkoutOnlyScenario(
  'POST /checkout (checkout only)',
  Number(process.env.BENCH_CHECKOUT_USERS ?? 1500),
);

const CHECKOUT_RATE = Number(process.env.BENCH_CHECKOUT_RATE ?? 500);
if (!Number.isInteger(CHECKOUT_RATE) || CHECKOUT_RATE < 1) {
  throw new Error(`BENCH_CHECKOUT_RATE must be a whole number of orders/s, got ${CHECKOUT_RATE}`);
}

/**
 * Checkout at a fixed offered load, BENCH_CHECKOUT_RATE orders/s (default
 * 500), for three seconds: the latency a shop's buyers see at that traffic.
 * One request every 1/rate s, sent when due whether or not the earlier ones
 * are answered, and timed from when it was due (bench/paced-load.ts), so a
 * server that falls behind shows it in p99 and in a req/s below the rate.
 * Up to 100 connections are open at once.
 */
export const checkoutAtRate = checkoutOnlyScenario(
  `POST /checkout (at ${CHECKOUT_RATE} orders/s)`,
  3 * CHECKOUT_RATE + 1,
  { overallRate: CHECKOUT_RATE, connections: 100 },
);

/**
 * The machine the target was set on: 2 cores where the bare Fastify
 * hello-world does 60k req/s, and checkout must take 500 orders/s with p99
 * under 100 ms.
 */
const REFERENCE = { baselineReqPerSec: 60_000, ordersPerSec: 500 };
const SCALED_NAME = 'POST /checkout (scaled: 500 orders/s at a 60k baseline)';

/**
 * `at N orders/s` with N the target's share of this machine: 500 × this
 * run's baseline ÷ 60k. Machines differ twofold and more (and one host from
 * hour to hour); at the same share of the CPU, its p99 says whether the
 * target holds on the machine it was set for. Named with its rate once known.
 */
export const checkoutAtScaledRate: Scenario = {
  name: SCALED_NAME,
  target: 'api',
  connections: 100,
  setup: async (ctx) => {
    const baseline = ctx.baselineReqPerSec();
    if (baseline === undefined) skip('the baseline did not run');
    const rate = Math.max(
      1,
      Math.round((REFERENCE.ordersPerSec * baseline) / REFERENCE.baselineReqPerSec),
    );
    const paced = checkoutOnlyScenario(SCALED_NAME, 3 * rate + 1, {
      overallRate: rate,
      connections: 100,
    });
    const requests = await paced.setup(ctx);
    Object.assign(checkoutAtScaledRate, {
      name: `POST /checkout (scaled: ${rate} orders/s = 500 at a 60k baseline)`,
      overallRate: rate,
      warmupRequests: paced.warmupRequests,
      maxRequests: paced.maxRequests,
    });
    return requests;
  },
};
