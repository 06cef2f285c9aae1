import { stdSerializers } from 'pino';

type Serialized = Record<string, unknown>;

/**
 * The log's `err` serializer: pino's own, minus the bound values TypeORM's
 * QueryFailedError carries in `parameters` (password hashes, refresh-token
 * hashes, e-mail addresses), the `detail` of a PostgreSQL error, which
 * quotes the data (a unique violation's key, a NOT NULL or CHECK
 * violation's whole row), and the arguments ioredis puts in a failed
 * command's `command.args` (the login limits' keys hold the e-mail address
 * and client IP). The SQL text, the SQLSTATE and the command name stay; they
 * say what failed. Causes are serialized as errors too, so they are stripped
 * the same way.
 */
export function serializeError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  return withoutParameters(stdSerializers.err(error as Error) as unknown as Serialized);
}

/** PostgreSQL's error codes: five digits or upper-case letters. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

function withoutParameters(serialized: Serialized): Serialized {
  const { parameters: _values, ...rest } = serialized;
  if (typeof rest.code === 'string' && SQLSTATE.test(rest.code)) delete rest.detail;
  if (typeof rest.command === 'object' && rest.command !== null && 'args' in rest.command) {
    const { args: _args, ...command } = rest.command as Serialized;
    rest.command = command;
  }
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value === 'object' && value !== null && 'type' in value && 'message' in value) {
      rest[key] = withoutParameters(value as Serialized);
    }
  }
  return rest;
}
