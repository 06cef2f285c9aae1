import { stdSerializers } from 'pino';

type Serialized = Record<string, unknown>;

/**
 * The log's `err` serializer: pino's own, minus the bound values TypeORM's
 * QueryFailedError carries in `parameters` (password hashes, refresh-token
 * hashes, e-mail addresses), the `detail` of a PostgreSQL error, which
 * quotes the data (a unique violation's key, a NOT NULL or CHECK
 * violation's whole row), the value a data exception's message quotes (a
 * malformed UUID, a number out of range: the client's input), and the
 * arguments ioredis puts in a failed command's `command.args` (the login
 * limits' keys hold the e-mail address and client IP). The SQL text, the
 * SQLSTATE and the command name stay; they say what failed. Causes are
 * serialized as errors too, so they are stripped the same way.
 */
export function serializeError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  return withoutParameters(stdSerializers.err(error as Error) as unknown as Serialized);
}

/** PostgreSQL's error codes: five digits or upper-case letters. */
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** Class 22, data exceptions: a value PostgreSQL could not take as its type. */
const DATA_EXCEPTION = /^22/;
// From the first double quote to the last: PostgreSQL quotes the value
// without escaping the quotes inside it (`invalid input syntax for type
// uuid: "a"b"`), so only the outermost pair is sure to enclose all of it.
const QUOTED = /"[\s\S]*"/;
const REDACTED = '"[redacted]"';

function withoutParameters(serialized: Serialized): Serialized {
  const { parameters: _values, ...rest } = serialized;
  if (typeof rest.code === 'string' && SQLSTATE.test(rest.code)) {
    delete rest.detail;
    if (DATA_EXCEPTION.test(rest.code)) withoutQuotedValue(rest);
  }
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

/**
 * A data exception's message quotes the value that was refused, and that is
 * what the client sent: `invalid input syntax for type uuid: "<it>"`, `value
 * "<it>" is out of range for type integer`, `invalid input value for enum
 * ...: "<it>"`. The message keeps what failed with the value replaced, in
 * the stack's first line too. Its context (`where`) goes: for JSON input it
 * quotes the text around the fault (`JSON data, line 1: {"email":...`).
 */
function withoutQuotedValue(serialized: Serialized): void {
  const { message, stack } = serialized;
  delete serialized.where;
  if (typeof message !== 'string' || !QUOTED.test(message)) return;
  const redacted = message.replace(QUOTED, REDACTED);
  serialized.message = redacted;
  if (typeof stack === 'string') {
    serialized.stack = stack.includes(message)
      ? stack.replace(message, () => redacted)
      : stack.replace(QUOTED, REDACTED);
  }
}
