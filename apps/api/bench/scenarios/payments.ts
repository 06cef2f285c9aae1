import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import { expectStatus, type Scenario, skip } from '../scenario.js';
import { products } from './fixtures.js';

// Checkout and the Stripe webhook (skipped while their routes answer 404).

function signed(secret: string, payload: string): string {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** A signed event for an unknown PaymentIntent, new id each time: verified, stored, acknowledged. */
export const stripeWebhook: Scenario = {
  name: 'POST /webhooks/stripe',
  target: 'api',
  setup: async (ctx) => {
    const event = () =>
      JSON.stringify({
        id: `evt_bench_${randomBytes(8).toString('hex')}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: {
          object: {
            id: `pi_bench_${randomBytes(8).toString('hex')}`,
            object: 'payment_intent',
            amount: 1299,
            currency: 'eur',
            status: 'succeeded',
            metadata: {},
          },
        },
      });
    const probe = event();
    const reply = await ctx.http('POST', '/api/v1/webhooks/stripe', JSON.parse(probe), {
      'stripe-signature': signed(ctx.stripeWebhookSecret, probe),
    });
    expectStatus(reply, 200, 'POST /webhooks/stripe');
    return [
      {
        method: 'POST',
        path: '/api/v1/webhooks/stripe',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          const body = event();
          return {
            ...req,
            body,
            headers: { ...req.headers, 'stripe-signature': signed(ctx.stripeWebhookSecret, body) },
          };
        },
      },
    ];
  },
};

const CHECKOUT_USERS = Number(process.env.BENCH_CHECKOUT_USERS ?? 1500);

/** Runs `task` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, task: (item: T) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    out.push(...(await Promise.all(items.slice(i, i + width).map(task))));
  }
  return out;
}

/**
 * Each checkout consumes a filled cart, so setup registers BENCH_CHECKOUT_USERS
 * customers (default 1500; registration hashes with argon2, so this is the
 * slow part) and fills each cart with one line of a well-stocked product
 * (a million units, so 409s cannot dominate). The measured loop only checks
 * out: every request is another user with a fresh Idempotency-Key, and the
 * run stops when every cart has been checked out once (maxRequests).
 */
export const checkout: Scenario = {
  name: 'POST /checkout',
  target: 'api',
  setup: async (ctx) => {
    const probe = await ctx.http('POST', '/api/v1/checkout', {});
    if (probe.status === 404) skip('POST /checkout: route answers 404 (not built yet)');
    // Lines spread over a few products so reservations do not all queue on one row.
    const variants = (await products(ctx, 8)).map((p) => p.variantId);
    const users = await inBatches(
      Array.from({ length: CHECKOUT_USERS }, (_, i) => i),
      8,
      async (i) => {
        const email = `bench-buyer-${i}-${randomBytes(4).toString('hex')}@example.com`;
        const reg = await ctx.http('POST', '/api/v1/auth/register', {
          email,
          password: 'bench-password-1234',
          name: 'Bench Buyer',
        });
        expectStatus(reg, 201, 'POST /auth/register');
        const auth = `Bearer ${(reg.body as { accessToken: string }).accessToken}`;
        const add = await ctx.http(
          'POST',
          '/api/v1/cart/items',
          { variantId: variants[i % variants.length], quantity: 1 },
          { authorization: auth },
        );
        expectStatus(add, 201, 'POST /cart/items');
        return auth;
      },
    );
    checkout.maxRequests = users.length;
    let n = 0;
    return [
      {
        method: 'POST',
        path: '/api/v1/checkout',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          shippingAddress: {
            name: 'Bench Buyer',
            line1: '1 Load Street',
            city: 'Berlin',
            postalCode: '10115',
            country: 'DE',
          },
        }),
        setupRequest: (req) => ({
          ...req,
          headers: {
            ...req.headers,
            authorization: users[n++ % users.length]!,
            'idempotency-key': randomUUID(),
          },
        }),
      },
    ];
  },
};
