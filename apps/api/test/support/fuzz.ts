import { readFileSync } from 'node:fs';

import fc from 'fast-check';

import { OPENAPI_FILE } from './contract.js';

/** One seed for every fuzz file, so a failure replays exactly: FUZZ_SEED=<n> npm test. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_125);

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
};
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export const openApi = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApi;

export interface RouteSpec {
  method: 'post' | 'patch' | 'get' | 'delete';
  path: string;
  operation: Operation;
  /** Property names of the JSON body schema (empty when the route takes none). */
  fields: string[];
  /** Whether the route's status list contains this status (or its nXX family). */
  documents(status: number): boolean;
}

function resolve(schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  return openApi.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
}

function fieldsOf(schema: Schema | undefined): string[] {
  const s = resolve(schema);
  if (!s) return [];
  return [...Object.keys(s.properties ?? {}), ...(s.allOf ?? []).flatMap(fieldsOf)];
}

export function routes(methods: RouteSpec['method'][]): RouteSpec[] {
  const list: RouteSpec[] = [];
  for (const [path, ops] of Object.entries(openApi.paths)) {
    for (const [method, operation] of Object.entries(ops)) {
      if (!methods.includes(method as RouteSpec['method'])) continue;
      list.push({
        method: method as RouteSpec['method'],
        path,
        operation,
        fields: fieldsOf(operation.requestBody?.content['application/json']?.schema),
        documents: (status) =>
          String(status) in operation.responses || `${String(status)[0]}XX` in operation.responses,
      });
    }
  }
  return list;
}

/** A JSON text tree: raw tokens let us send what JSON.stringify cannot (1e309, -0, `__proto__`). */
type Json = { raw: string } | { str: string } | { arr: Json[] } | { obj: [string, Json][] };

export function serialize(node: Json): string {
  if ('raw' in node) return node.raw;
  if ('str' in node) return JSON.stringify(node.str);
  if ('arr' in node) return `[${node.arr.map(serialize).join(',')}]`;
  return `{${node.obj.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
}

export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'];

const numberToken = fc.oneof(
  fc.constantFrom(
    '1e309',
    '-1e309',
    '-0',
    '0',
    '1e-400',
    '9007199254740993',
    '-9007199254740993',
    '2147483648',
    '1.5',
    '-1',
    '1e21',
    'true',
    'false',
    'null',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);

const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-0',
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '😀'.repeat(50),
    '00000000-0000-0000-0000-000000000000',
    "' OR 1=1 --",
    '${7*7}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
  ),
  fc.constantFrom(300, 5_000, 100_000).map((n) => 'x'.repeat(n)),
);

/** Any JSON value, shallow but odd; nesting is bounded by fast-check's depth size. */
function valueArb(keys: fc.Arbitrary<string>): fc.Arbitrary<Json> {
  const { value } = fc.letrec<{ value: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4, withCrossShrink: true },
      numberToken.map((raw) => ({ raw })),
      oddString.map((str) => ({ str })),
      fc.array(tie('value'), { maxLength: 4 }).map((arr) => ({ arr })),
      fc.array(fc.tuple(keys, tie('value')), { maxLength: 4 }).map((obj) => ({ obj })),
    ),
  }));
  return value;
}

/** Nesting far beyond anything the API accepts, well inside the body limit. */
const deepBody = fc.constantFrom(
  `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
  `{"name":${'['.repeat(3_000)}"x"${']'.repeat(3_000)}}`,
);

/**
 * Bodies for one route: mostly objects made of the route's own field names
 * (so validation and the use case actually run) with wrong or hostile values,
 * plus pollution keys, unknown keys, non-object bodies and deep nesting.
 */
export function bodyArb(fields: string[]): fc.Arbitrary<string> {
  const keys = fc.oneof(
    { weight: 5, arbitrary: fields.length > 0 ? fc.constantFrom(...fields) : fc.constant('name') },
    { weight: 2, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('role', 'price', 'status', 'reserved', 'userId', 'id', 'onHand'),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  );
  const value = valueArb(keys);
  const pollution = fc
    .tuple(fc.constantFrom(...POLLUTION_KEYS), fc.constantFrom('__proto__', 'prototype'))
    .map(([outer, inner]): Json => ({
      obj: [[outer, { obj: [[inner, { obj: [['polluted', { raw: 'true' }]] }]] }]],
    }));
  const objectBody = fc
    .array(fc.tuple(keys, fc.oneof({ weight: 4, arbitrary: value }, pollution)), {
      minLength: 1,
      maxLength: 6,
    })
    .map((obj): Json => ({ obj }));
  return fc.oneof(
    { weight: 10, arbitrary: objectBody.map(serialize) },
    { weight: 2, arbitrary: value.map(serialize) },
    { weight: 1, arbitrary: pollution.map(serialize) },
    { weight: 1, arbitrary: deepBody },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":1,}', 'nul', '"', '{"a":1}{"b":2}') },
  );
}

/** Query-string values for list routes: out of range, wrong type, repeated, encoded oddly. */
export const queryValueArb: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(
    numberToken,
    oddString,
    fc.constantFrom('1000', '0', '-5', '101', '1.5', '1e3', '0x10', 'price', '-price', 'asc'),
  ),
  { minLength: 1, maxLength: 2 },
);

/** Encodes values that `encodeURIComponent` rejects (lone surrogates) byte by byte. */
export function encodeQueryValue(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'latin1')]
      .map((b) => `%${b.toString(16).padStart(2, '0')}`)
      .join('');
  }
}
