import { randomUUID } from 'node:crypto';

import { expectStatus, type Scenario } from '../scenario.js';
import { customer, products } from './fixtures.js';

const API = '/api/v1';

/**
 * The purchase path against the Stripe emulator: each connection is one
 * customer who adds an item and checks out, over and over. Every checkout
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
    const buyers = await Promise.all(Array.from({ length: connections }, () => customer(ctx)));
    const probe = buyers[0]!;
    const auth = { authorization: `Bearer ${probe.accessToken}` };
    expectStatus(
      await ctx.http('POST', `${API}/cart/items`, { variantId: product!.variantId, quantity: 1 }, auth),
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

    let next = 0;
    // autocannon keeps one context object per connection: pin a buyer to it,
    // so a connection's add and checkout are the same customer's cart.
    const buyerOf = (context: object) => {
      const c = context as { token?: string };
      c.token ??= buyers[next++ % buyers.length]!.accessToken;
      return c.token;
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
