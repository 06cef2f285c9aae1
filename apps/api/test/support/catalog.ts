import type { ProductDto, ProductPageDto } from '@minishop/contracts';

import type { TestApp } from './test-app.js';

export const API = '/api/v1';

/** Follows nextCursor from the first page to the last; `between` runs before each next page. */
export async function walkProducts(
  t: TestApp,
  query: Record<string, string | number>,
  between?: (page: number) => Promise<void>,
): Promise<ProductDto[]> {
  const items: ProductDto[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const res = await t.http
      .get(`${API}/products`)
      .query({ ...query, ...(cursor ? { cursor } : {}) })
      .expect(200);
    const body = res.body as ProductPageDto;
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) return items;
    if (between) await between(page);
  }
  throw new Error('pagination did not end');
}

let counter = 0;

/** A product body for POST /admin/products with unique slug and SKUs. */
export function aProductBody(
  overrides: Partial<{
    name: string;
    slug: string;
    description: string;
    categoryId: string;
    price: number;
    stock: number;
    variants: unknown[];
  }> = {},
): Record<string, unknown> {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}`.toUpperCase();
  const { price = 1500, stock = 10, ...rest } = overrides;
  return {
    name: `Test Product ${n}`,
    description: 'Made by a test',
    variants: [
      { sku: `T-${n}`, name: 'Default', price: { amount: price, currency: 'EUR' }, stock },
    ],
    ...rest,
  };
}
