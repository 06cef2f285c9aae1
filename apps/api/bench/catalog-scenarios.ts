/**
 * Catalog scenarios for the benchmark harness, as plain data: a name and the
 * path(s) to hammer (GET, against a database holding the demo catalog, e.g.
 * after `npm run cli -- seed`). The harness maps each to its own scenario
 * type; `paths` with more than one entry are rotated per request.
 */
export interface CatalogBenchScenario {
  name: string;
  /** Each request takes the next path (round robin); one entry = always the same. */
  paths: (n: number) => string;
  note: string;
}

const API = '/api/v1';

export const catalogScenarios: CatalogBenchScenario[] = [
  {
    name: 'GET /products (cached)',
    paths: () => `${API}/products?limit=20`,
    note: 'the same first page every time: served from the catalog cache (body + ETag stored serialised)',
  },
  {
    name: 'GET /products (uncached)',
    // A distinct maxPrice per request makes a distinct cache key, so every
    // request runs the SQL (one query per page) and serialises the page.
    paths: (n) => `${API}/products?limit=20&q=mug&maxPrice=${100_000 + n}`,
    note: 'full-text search with a cache key that never repeats',
  },
  {
    name: 'GET /products/:slug',
    paths: () => `${API}/products/nordic-mug`,
    note: 'one product of the demo catalog, cached',
  },
];
