import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { MAX_ORDER_TOTAL } from '@minishop/domain';
import { load } from 'js-yaml';

import { startTestApp, type TestApp } from './support/test-app.js';

const STOREFRONT_OPERATION_IDS: Record<string, string> = {
  'GET /api/v1/products': 'listProducts',
  'GET /api/v1/products/{idOrSlug}': 'getProduct',
  'GET /api/v1/categories': 'listCategories',
  'POST /api/v1/cart': 'createCart',
  'GET /api/v1/cart': 'getCart',
  'POST /api/v1/cart/items': 'addCartItem',
  'PATCH /api/v1/cart/items/{lineId}': 'updateCartItem',
  'DELETE /api/v1/cart/items/{lineId}': 'removeCartItem',
  'POST /api/v1/cart/merge': 'mergeCart',
  'POST /api/v1/admin/products': 'createProduct',
  'PATCH /api/v1/admin/products/{id}': 'updateProduct',
  'DELETE /api/v1/admin/products/{id}': 'archiveProduct',
  'POST /api/v1/admin/products/{id}/variants': 'createVariant',
  'PATCH /api/v1/admin/variants/{id}': 'updateVariant',
  'POST /api/v1/admin/variants/{id}/stock': 'adjustStock',
  'POST /api/v1/admin/categories': 'createCategory',
  'POST /api/v1/checkout': 'checkout',
  'GET /api/v1/orders': 'listOrders',
  'GET /api/v1/orders/{id}': 'getOrder',
  'POST /api/v1/orders/{id}/cancel': 'cancelOrder',
  'GET /api/v1/admin/orders': 'listAllOrders',
  'POST /api/v1/admin/orders/{id}/fulfil': 'fulfilOrder',
  'POST /api/v1/admin/orders/{id}/refund': 'refundOrder',
  'POST /api/v1/admin/orders/{id}/payment-review': 'resolvePaymentReview',
  'POST /api/v1/webhooks/stripe': 'receiveStripeWebhook',
};

const committed = resolve(dirname(fileURLToPath(import.meta.url)), '../../../openapi.json');

describe('OpenAPI document', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('/docs/openapi.json and .yaml: the same document, the same bytes each time, with an ETag that gets a 304', async () => {
    const json = await t.http.get('/docs/openapi.json').expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['cache-control']).toBe('no-cache');
    const etag = json.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await t.http.get('/docs/openapi.json').expect(200);
    expect(again.text).toBe(json.text);
    expect(again.headers.etag).toBe(etag);
    const revalidated = await t.http
      .get('/docs/openapi.json')
      .set('If-None-Match', `W/${etag}`)
      .expect(304);
    expect(revalidated.text).toBe('');
    await t.http.get('/docs/openapi.json').set('If-None-Match', '"stale"').expect(200);

    const yaml = await t.http.get('/docs/openapi.yaml').expect(200);
    expect(yaml.headers['content-type']).toMatch(/^text\/yaml/);
    expect(load(yaml.text)).toEqual(json.body);
    expect(yaml.headers.etag).not.toBe(etag);
    await t.http.get('/docs/openapi.yaml').set('If-None-Match', yaml.headers.etag!).expect(304);
  });

  test('openapi.json in the repository is what the API serves (run `npm run openapi` after changing routes)', async () => {
    const served = (await t.http.get('/docs/openapi.json').expect(200)).body;
    const file = JSON.parse(readFileSync(committed, 'utf8'));
    expect(served).toEqual(file);
  });

  test('operation ids are unique and every operation has a tag', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
    };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    const ids = ops.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of ops) expect(op.tags?.length ?? 0).toBeGreaterThan(0);
  });

  // Generated clients name their methods and types after operationIds, so
  // they are part of the contract: camelCase, verb first for storefront routes.
  test('operation ids are camelCase and the storefront routes have meaningful names', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ids = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => [
          `${method.toUpperCase()} ${path}`,
          op.operationId,
        ]),
      ),
    );
    for (const id of Object.values(ids)) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(ids).toMatchObject(STOREFRONT_OPERATION_IDS);
  });

  test('every error reply with a body is documented as application/problem+json, as it is sent', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
    };
    const errors = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        Object.entries(op.responses)
          .filter(([status, reply]) => /^[45]/.test(status) && reply.content)
          .map(([status, reply]) => ({
            reply: `${method.toUpperCase()} ${path} ${status}`,
            media: Object.keys(reply.content!),
          })),
      ),
    );
    expect(errors.length).toBeGreaterThan(100);
    expect(errors.filter((e) => e.media.join() !== 'application/problem+json')).toEqual([]);
  });

  // Money is integer minor units (never floats), and so are counts of units:
  // a client generated from the document must not make them doubles.
  test('money amounts and unit counts are integers in the document', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      components: {
        schemas: Record<
          string,
          { properties?: Record<string, { type?: string; maximum?: number }> }
        >;
      };
    };
    const numbers = Object.entries(doc.components.schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(([, property]) => property.type === 'number')
        .map(([property]) => `${name}.${property}`),
    );
    expect(numbers).toEqual([]);
    const parameters = (
      (await t.http.get('/docs/openapi.json').expect(200)).body as {
        paths: Record<
          string,
          Record<string, { parameters?: { name: string; schema?: { type?: string } }[] }>
        >;
      }
    ).paths;
    const numericParameters = Object.entries(parameters).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) =>
        (op.parameters ?? [])
          .filter((p) => p.schema?.type === 'number')
          .map((p) => `${method} ${path} ${p.name}`),
      ),
    );
    expect(numericParameters).toEqual([]);
    const { schemas } = doc.components;
    expect(schemas.MoneyDto!.properties!.amount!.type).toBe('integer');
    expect(schemas.OrderLineDto!.properties!.quantity!.type).toBe('integer');
    expect(schemas.StockDto!.properties!.available!.type).toBe('integer');
    // A refund's amount is bounded by what one payment can be, as it is
    // validated; a reply's money (a cart's subtotal) is not.
    expect(schemas.MoneyAmountDto!.properties!.amount!.maximum).toBe(MAX_ORDER_TOTAL);
    expect(schemas.MoneyDto!.properties!.amount!.maximum).toBe(Number.MAX_SAFE_INTEGER);
    expect(JSON.stringify(schemas.RefundRequestDto)).toContain(
      '#/components/schemas/MoneyAmountDto',
    );
  });
});
