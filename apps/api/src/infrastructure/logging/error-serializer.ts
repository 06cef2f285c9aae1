import { stdSerializers } from 'pino';

type Serialized = Record<string, unknown>;

/**
 * The log's `err` serializer: pino's own, minus the bound values TypeORM's
 * QueryFailedError carries in `parameters` (password hashes, refresh-token
 * hashes, e-mail addresses). The SQL text stays; it says what failed.
 * Causes are serialized as errors too, so they are stripped the same way.
 */
export function serializeError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  return withoutParameters(stdSerializers.err(error as Error) as unknown as Serialized);
}

function withoutParameters(serialized: Serialized): Serialized {
  const { parameters: _values, ...rest } = serialized;
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === 'object' && value !== null && 'type' in value && 'message' in value) {
      rest[key] = withoutParameters(value as Serialized);
    }
  }
  return rest;
}
