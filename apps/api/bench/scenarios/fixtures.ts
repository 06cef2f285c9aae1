import { randomBytes } from 'node:crypto';

import { type BenchContext, expectStatus, skip } from '../scenario.js';

const API = '/api/v1';

export interface BenchProduct {
  id: string;
  slug: string;
  variantId: string;
}

/** An admin's access token: the user is created with the CLI, as an operator would. */
export async function adminToken(ctx: BenchContext): Promise<string> {
  const email = `bench-admin-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'bench-password-1234';
  const created = await ctx.cli([
    'user:create',
    '--email',
    email,
    '--password',
    password,
    '--role',
    'admin',
  ]);
  if (created.code !== 0)
    skip(`cli user:create failed: ${created.output.trim().split('\n').pop() ?? ''}`);
  const login = await ctx.http('POST', `${API}/auth/login`, { email, password });
  expectStatus(login, 200, 'POST /auth/login');
  return (login.body as { accessToken: string }).accessToken;
}

/** A customer registered through the API, with its credentials. */
export async function customer(
  ctx: BenchContext,
): Promise<{ email: string; password: string; accessToken: string }> {
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const password = 'bench-password-1234';
  const reply = await ctx.http('POST', `${API}/auth/register`, { email, password, name: 'Bench' });
  expectStatus(reply, 201, 'POST /auth/register');
  return { email, password, accessToken: (reply.body as { accessToken: string }).accessToken };
}

/** `count` products with one well-stocked variant each. */
export async function products(ctx: BenchContext, count: number): Promise<BenchProduct[]> {
  const token = await adminToken(ctx);
  const made: BenchProduct[] = [];
  for (let i = 0; i < count; i++) {
    const tag = randomBytes(4).toString('hex');
    const reply = await ctx.http(
      'POST',
      `${API}/admin/products`,
      {
        name: `Bench product ${tag}`,
        description: 'A product made by the benchmark',
        variants: [
          {
            sku: `BENCH-${tag.toUpperCase()}`,
            name: 'Default',
            price: { amount: 1299, currency: 'EUR' },
            stock: 1_000_000,
          },
        ],
      },
      { authorization: `Bearer ${token}` },
    );
    expectStatus(reply, 201, 'POST /admin/products');
    const body = reply.body as { id: string; slug: string; variants: { id: string }[] };
    const variantId = body.variants[0]?.id;
    if (!variantId) skip('POST /admin/products returned no variant');
    made.push({ id: body.id, slug: body.slug, variantId });
  }
  return made;
}
