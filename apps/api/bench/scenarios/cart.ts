import { expectStatus, type Scenario } from '../scenario.js';
import { products } from './fixtures.js';

// Slots for the cart feature (skipped while its routes answer 404).

async function guestCart(ctx: Parameters<Scenario['setup']>[0]): Promise<string> {
  const reply = await ctx.http('POST', '/api/v1/cart');
  expectStatus(reply, 201, 'POST /cart');
  return (reply.body as { cartToken: string }).cartToken;
}

export const getCart: Scenario = {
  name: 'GET /cart',
  target: 'api',
  setup: async (ctx) => {
    const [product] = await products(ctx, 1);
    const token = await guestCart(ctx);
    const add = await ctx.http(
      'POST',
      '/api/v1/cart/items',
      { variantId: product!.variantId, quantity: 2 },
      { 'x-cart-token': token },
    );
    expectStatus(add, 201, 'POST /cart/items');
    return [{ method: 'GET', path: '/api/v1/cart', headers: { 'x-cart-token': token } }];
  },
};

/** Adds to one line over and over (merging), alternating with a reset so quantity stays in 1..99. */
export const addToCart: Scenario = {
  name: 'POST /cart/items',
  target: 'api',
  setup: async (ctx) => {
    const [product] = await products(ctx, 1);
    const tokens = await Promise.all(Array.from({ length: 100 }, () => guestCart(ctx)));
    let n = 0;
    return [
      {
        method: 'POST',
        path: '/api/v1/cart/items',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ variantId: product!.variantId, quantity: 1 }),
        // A fresh guest cart per request would measure cart creation; spread
        // over 100 carts instead, each staying far below the 99 cap for a
        // short run. Longer runs saturate lines and answer 409/422 (counted
        // as non-2xx).
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, 'x-cart-token': tokens[n++ % tokens.length]! },
        }),
      },
    ];
  },
};
