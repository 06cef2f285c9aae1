/**
 * Cart scenarios for the benchmark harness (bench/run.ts). Self-contained:
 * the types below are the structural subset of the harness's Scenario and
 * BenchContext this module needs, and catalog data comes from the caller
 * (`variantIds`), so it does not depend on the catalog's admin routes.
 *
 * Wiring in bench/scenarios/cart.ts:
 *   export const { getCart, addToCart } = cartScenarios({
 *     expectStatus,
 *     variantIds: async (ctx, n) => (await products(ctx, n)).map((p) => p.variantId),
 *   });
 */

export interface CartBenchReply {
  status: number;
  body: unknown;
}

export interface CartBenchContext {
  http(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<CartBenchReply>;
}

export interface CartBenchRequest {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: CartBenchRequest) => CartBenchRequest;
}

export interface CartScenario {
  name: string;
  target: 'api';
  setup(ctx: CartBenchContext): Promise<CartBenchRequest[]>;
}

export interface CartScenarioDeps {
  /** Ids of `count` distinct, well-stocked, active variants. */
  variantIds(ctx: CartBenchContext, count: number): Promise<string[]>;
  /** The harness's check: skips the scenario (404) or fails its setup otherwise. */
  expectStatus(reply: CartBenchReply, status: number, step: string): void;
}

const API = '/api/v1';

export function cartScenarios(deps: CartScenarioDeps): {
  getCart: CartScenario;
  addToCart: CartScenario;
} {
  async function guestCart(ctx: CartBenchContext): Promise<string> {
    const reply = await ctx.http('POST', `${API}/cart`);
    deps.expectStatus(reply, 201, 'POST /cart');
    return (reply.body as { cartToken: string }).cartToken;
  }

  async function addLine(ctx: CartBenchContext, token: string, variantId: string, quantity = 1) {
    const reply = await ctx.http(
      'POST',
      `${API}/cart/items`,
      { variantId, quantity },
      { 'x-cart-token': token },
    );
    deps.expectStatus(reply, 201, 'POST /cart/items');
  }

  /** A typical cart (three lines) read over and over: token lookup, lines, variants, pricing. */
  const getCart: CartScenario = {
    name: 'GET /cart',
    target: 'api',
    setup: async (ctx) => {
      const variants = await deps.variantIds(ctx, 3);
      const token = await guestCart(ctx);
      for (const id of variants) await addLine(ctx, token, id, 2);
      return [{ method: 'GET', path: `${API}/cart`, headers: { 'x-cart-token': token } }];
    },
  };

  /**
   * Adds 1 to a line, rotating over CARTS × VARIANTS lines so that no line
   * reaches the 99 cap within a run (capacity ≈ CARTS × VARIANTS × 98 adds)
   * and concurrent requests mostly hit different carts, as real shoppers do.
   * Every request takes its cart's row lock and upserts one line.
   */
  const addToCart: CartScenario = {
    name: 'POST /cart/items',
    target: 'api',
    setup: async (ctx) => {
      const CARTS = 200;
      const variants = await deps.variantIds(ctx, 10);
      const tokens: string[] = [];
      for (let i = 0; i < CARTS; i++) tokens.push(await guestCart(ctx));
      await addLine(ctx, tokens[0]!, variants[0]!);
      let n = 0;
      return [
        {
          method: 'POST',
          path: `${API}/cart/items`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ variantId: variants[0], quantity: 1 }),
          setupRequest: (request) => {
            const i = n++;
            return {
              ...request,
              headers: { ...request.headers, 'x-cart-token': tokens[i % CARTS]! },
              body: JSON.stringify({
                variantId: variants[Math.floor(i / CARTS) % variants.length],
                quantity: 1,
              }),
            };
          },
        },
      ];
    },
  };

  return { getCart, addToCart };
}
