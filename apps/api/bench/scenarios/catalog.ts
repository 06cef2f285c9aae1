import type { Scenario } from '../scenario.js';
import { products } from './fixtures.js';

// Slots for the catalog feature: they run once its routes exist (until then
// the harness reports them as skipped). Check the setup against the real
// routes when the feature lands.

/** The same first page again and again: served from the catalog cache. */
export const productsListCached: Scenario = {
  name: 'GET /products (cached)',
  target: 'api',
  setup: async (ctx) => {
    await products(ctx, 30);
    return [{ method: 'GET', path: '/api/v1/products?limit=20' }];
  },
};

/**
 * The same page as a browser asks for it: every browser sends
 * Accept-Encoding, and the cached page is sent brotli-compressed (compressed
 * once per cache entry, about a fifth of the bytes).
 */
export const productsListCachedCompressed: Scenario = {
  name: 'GET /products (cached, br)',
  target: 'api',
  setup: async (ctx) => {
    await products(ctx, 30);
    return [
      {
        method: 'GET',
        path: '/api/v1/products?limit=20',
        headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
      },
    ];
  },
};

/** A different search on every request, so no cache entry is ever reused. */
export const productsListUncached: Scenario = {
  name: 'GET /products (uncached)',
  target: 'api',
  setup: async (ctx) => {
    await products(ctx, 30);
    let n = 0;
    return [
      {
        method: 'GET',
        path: '/api/v1/products?limit=20',
        setupRequest: (req) => ({
          ...req,
          path: `/api/v1/products?limit=20&q=bench&maxPrice=${100_000 + n++}`,
        }),
      },
    ];
  },
};

export const productBySlug: Scenario = {
  name: 'GET /products/:slug',
  target: 'api',
  setup: async (ctx) => {
    const [product] = await products(ctx, 1);
    return [{ method: 'GET', path: `/api/v1/products/${product!.slug}` }];
  },
};
