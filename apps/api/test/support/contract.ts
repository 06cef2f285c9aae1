import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isEmail } from 'class-validator';
import type { FastifyInstance } from 'fastify';

const here = dirname(fileURLToPath(import.meta.url));
export const OPENAPI_FILE = resolve(here, '../../../../openapi.json');
export const COVERAGE_DIR = resolve(here, '../../test-output/contract-coverage');

interface Exchange {
  method: string;
  route: string;
  status: number;
  contentType: string;
  location: string | undefined;
  body: string;
}

type Schema = Record<string, unknown>;
interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        responses?: Record<
          string,
          { content?: Record<string, { schema?: Schema }>; headers?: Record<string, unknown> }
        >;
      }
    >
  >;
}

/** '/api/v1/products/:idOrSlug' → '/api/v1/products/{idOrSlug}' */
const toOpenApiPath = (route: string) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Records every reply the e2e tests receive and checks it against the
 * committed OpenAPI document: the status must be documented for the route,
 * a Location header sent exactly where the document lists one, and a JSON
 * body must validate against the documented schema. It also
 * notes which operations were exercised, for the coverage check at the end
 * of a full run (global-teardown.js).
 */
export class ContractRecorder {
  private readonly exchanges: Exchange[] = [];

  attach(fastify: FastifyInstance): void {
    fastify.addHook('onSend', async (request, reply, payload) => {
      const route = request.routeOptions.url;
      // Empty replies (204) count too: their payload is not a string.
      if (route && (typeof payload === 'string' || payload === null || payload === undefined)) {
        this.exchanges.push({
          method: request.method.toLowerCase(),
          route,
          status: reply.statusCode,
          contentType: String(reply.getHeader('content-type') ?? ''),
          location: reply.getHeader('location') as string | undefined,
          body: payload ?? '',
        });
      }
      return payload;
    });
  }

  /** Violations of the document; also writes the covered operations to disk. */
  verify(): string[] {
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(ajv);
    // ajv-formats has no idn-email; the API's own rule (RegisterDto) stands in.
    ajv.addFormat('idn-email', (value: string) => isEmail(value));
    ajv.addSchema(document as object, 'openapi.json');
    const violations = new Set<string>();
    const covered = new Set<string>();
    for (const x of this.exchanges) {
      const path = toOpenApiPath(x.route);
      const operation = document.paths[path]?.[x.method];
      if (!operation) continue; // routes that exist only in a test (probes)
      covered.add(`${x.method.toUpperCase()} ${path}`);
      const key = [String(x.status), `${String(x.status)[0]}XX`].find(
        (k) => operation.responses?.[k],
      );
      const response = key ? operation.responses?.[key] : undefined;
      if (!key || !response) {
        violations.add(
          `${x.method.toUpperCase()} ${path} replied ${x.status}, which the document does not list`,
        );
        continue;
      }
      // A Location is sent exactly where the document promises one.
      if ((x.location !== undefined) !== (response.headers?.Location !== undefined)) {
        violations.add(
          `${x.method.toUpperCase()} ${path} ${x.status}: ${x.location === undefined ? 'no Location, which the document lists' : 'a Location the document does not list'}`,
        );
      }
      if (!/json/.test(x.contentType) || x.body === '') continue;
      const mediaType = x.contentType.split(';')[0]!.trim();
      if (!response.content?.[mediaType]?.schema) {
        violations.add(
          `${x.method.toUpperCase()} ${path} ${x.status}: no schema documented for ${mediaType}`,
        );
        continue;
      }
      const ref = `openapi.json#/paths/${pointer(path)}/${x.method}/responses/${key}/content/${pointer(mediaType)}/schema`;
      const validate =
        ajv.getSchema(ref) ?? ajv.compile({ $id: ref.replace(/[^\w]/g, '_'), $ref: ref });
      if (!validate(JSON.parse(x.body))) {
        violations.add(
          `${x.method.toUpperCase()} ${path} ${x.status}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`,
        );
      }
    }
    mkdirSync(COVERAGE_DIR, { recursive: true });
    writeFileSync(
      resolve(
        COVERAGE_DIR,
        `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`,
      ),
      JSON.stringify([...covered]),
    );
    return [...violations];
  }
}

/** JSON pointer segment escaping (RFC 6901), URI-encoded for use in a $ref. */
function pointer(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}
