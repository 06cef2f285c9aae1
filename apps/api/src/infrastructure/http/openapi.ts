import { ProblemDto } from '@minishop/contracts';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { IGNORES_ACCEPT_EXTENSION } from './accept.js';

/**
 * The OpenAPI 3.1 document of the API, built from the controllers' metadata.
 * Served at /docs/openapi.json and exported to openapi.json by
 * `npm run openapi`; both come from here so they cannot drift apart.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('minishop API')
      .setDescription(
        'Catalog, carts, checkout, orders and Stripe payments for storefronts. ' +
          'Errors are RFC 9457 problem details (application/problem+json). ' +
          'Lists are cursor-paginated: pass `nextCursor` back as `cursor`; a cursor the API ' +
          'did not issue is a 400 of type pagination-invalid-cursor naming `cursor`, on every list.',
      )
      .setVersion('1.0.0')
      .setOpenAPIVersion('3.1.0')
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .setContact('minishop', 'https://minishop.dev', 'api@minishop.dev')
      .addServer(
        '/',
        'This server (local development, staging or production: same origin as the docs)',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Short-lived access token from /auth/login or /auth/register. ' +
            'JWTs follow RFC8725 best practices: HS256 only, `alg: none` refused, `exp` always checked. ' +
            "The token's `scope` claim holds `cart:write orders:read orders:write` for customers, plus " +
            '`catalog:write orders:manage users:manage` for admins; an operation that needs scopes lists them ' +
            'in its security requirement and in `x-required-scopes` (403 without them).',
        },
        'bearer',
      )
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'Stripe-Signature',
          description:
            'Stripe webhook signature over the raw body, with STRIPE_WEBHOOK_SECRET (webhooks only)',
        },
        'stripeSignature',
      )
      .addTag('auth', 'Accounts and tokens')
      .addTag('catalog', 'Products, variants and categories')
      .addTag('cart', 'Guest and user carts')
      .addTag('orders', 'Checkout and orders')
      .addTag('payments', 'Stripe webhooks')
      .addTag('ops', 'Health and metrics')
      .build(),
    {
      extraModels: [ProblemDto],
      // productsList rather than ProductsController_list; routes may still set
      // their own with @ApiOperation({ operationId }).
      operationIdFactory: (controller, method) =>
        controller.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase()) +
        method.replace(/^./, (c) => c.toUpperCase()),
    },
  );
  return withCommonResponses(document);
}

const COMMON_HEADERS = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Access-Control-Allow-Origin',
  'X-Request-Id',
  'Cache-Control',
] as const;
const COUNT = { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 } as const;
const PROBLEM_REF = { $ref: '#/components/schemas/ProblemDto' };

/** What every 503 sends besides its problem; a route's own 503, one that says why, lists them too. */
export const UNAVAILABLE_HEADERS = {
  'Retry-After': { description: 'Seconds to wait', schema: COUNT },
  'Access-Control-Allow-Origin': { $ref: '#/components/headers/Access-Control-Allow-Origin' },
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
  'Cache-Control': { $ref: '#/components/headers/Cache-Control' },
};
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Adds what every operation has in common, once, instead of on every route:
 * the rate-limit, CORS, request-id and caching headers sent on 2xx/3xx/4xx replies, and
 * the 429, 500 and 503 problem replies any route can give, the 406 any
 * route that reads Accept can give, and the 400, 413 and 415 any route that
 * may be sent a body can give.
 */
function withCommonResponses(document: OpenAPIObject): OpenAPIObject {
  const components = (document.components ??= {});
  components.headers = {
    ...components.headers,
    'X-RateLimit-Limit': { description: 'Requests allowed in the current window', schema: COUNT },
    'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: COUNT },
    'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: COUNT },
    'Access-Control-Allow-Origin': {
      description: 'Sent when the request Origin is one of CORS_ORIGINS',
      schema: { type: 'string', maxLength: 2048 },
    },
    'X-Request-Id': {
      description: "Id of this request in the server logs (the caller's X-Request-Id when sane)",
      schema: { type: 'string', maxLength: 128 },
    },
    'Cache-Control': {
      description:
        'no-store: the reply depends on the caller or the moment, and no cache may keep it. ' +
        'Only the public catalog pages (GET /products, /products/{idOrSlug}, /categories) say ' +
        '"public, max-age=<seconds>", beside their ETag: CATALOG_CACHE_TTL_SECONDS, or less, ' +
        "what is left of the server's cached copy, so that no cache keeps a page past it.",
      schema: { type: 'string', maxLength: 64 },
    },
  };
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: PROBLEM_REF } },
  });
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method];
      if (!operation) continue;
      operation.responses['429'] ??= {
        ...problem('Too many requests; retry after the Retry-After header'),
        headers: { 'Retry-After': { description: 'Seconds to wait', schema: COUNT } },
      };
      // The extension only carries the mark here from the decorator: clients
      // are told of the 406 instead, where it can happen.
      const marked = operation as typeof operation &
        Partial<Record<typeof IGNORES_ACCEPT_EXTENSION, unknown>>;
      if (marked[IGNORES_ACCEPT_EXTENSION]) {
        delete marked[IGNORES_ACCEPT_EXTENSION];
      } else {
        operation.responses['406'] ??= problem(
          'Accept rules out application/json, what this operation replies with',
        );
      }
      operation.responses['500'] ??= problem('Unexpected server error (always a bug)');
      operation.responses['503'] ??= {
        ...problem(
          'Not answered within REQUEST_TIMEOUT_MS, or the database is unavailable; retry later',
        ),
        headers: UNAVAILABLE_HEADERS,
      };
      // Any route that may be sent a body refuses malformed, oversized or
      // non-JSON bodies, and one without a DTO refuses any field.
      if (method === 'post' || method === 'put' || method === 'patch' || method === 'delete') {
        operation.responses['400'] ??= problem(
          'Malformed JSON body, or fields sent to a route that takes no body',
        );
        operation.responses['413'] ??= problem('Body larger than BODY_LIMIT_BYTES');
        operation.responses['415'] ??= problem(
          'Content-Type is not application/json, or the body is compressed (Content-Encoding)',
        );
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || '$ref' in response) continue;
        // Every error is sent as a problem (problem-details.filter.ts); a
        // route's decorator declares it with Nest's default media type.
        const json = response.content?.['application/json'];
        if (/^[45]/.test(status) && json) {
          const { 'application/json': _, ...others } = response.content ?? {};
          response.content = { 'application/problem+json': json, ...others };
        }
        if (!/^[234]/.test(status)) continue;
        response.headers = {
          ...Object.fromEntries(
            COMMON_HEADERS.map((h) => [h, { $ref: `#/components/headers/${h}` }]),
          ),
          ...response.headers,
        };
      }
    }
  }
  document.servers = document.servers?.map((server) => ({ ...server, 'x-internal': false }));
  boundFormattedStrings(document);
  return document;
}

/** Lengths that follow from a string's format, so no DTO has to repeat them. */
const FORMAT_MAX_LENGTH: Record<string, number> = { uuid: 36, 'date-time': 35, date: 10 };

function boundFormattedStrings(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) boundFormattedStrings(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  const max = typeof schema.format === 'string' ? FORMAT_MAX_LENGTH[schema.format] : undefined;
  if (schema.type === 'string' && max !== undefined && schema.maxLength === undefined) {
    schema.maxLength = max;
  }
  for (const value of Object.values(schema)) boundFormattedStrings(value);
}
