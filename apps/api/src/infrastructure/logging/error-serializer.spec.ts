import { describe, expect, test } from '@jest/globals';

import { serializeError } from './error-serializer.js';

/** An error shaped as node-postgres raises one. */
function pgError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

describe('serializeError', () => {
  describe('a data exception (SQLSTATE class 22)', () => {
    test('has the quoted value replaced in its message and stack, quotes inside it included', () => {
      const out = serializeError(
        pgError('22P02', 'invalid input syntax for type uuid: "a"b, secret@example.test"', {
          where: 'JSON data, line 1: {"a":secret...\nunnamed portal parameter $1 = \'...\'',
        }),
      ) as Record<string, unknown>;
      expect(out.message).toBe('invalid input syntax for type uuid: "[redacted]"');
      expect(String(out.stack)).toMatch(
        /^Error: invalid input syntax for type uuid: "\[redacted\]"\n/,
      );
      expect(out.code).toBe('22P02');
      expect(JSON.stringify(out)).not.toMatch(/secret/);
    });

    test('with the value mid-message (22003) keeps the rest of the message', () => {
      const out = serializeError(
        pgError('22003', 'value "99999999999" is out of range for type integer'),
      ) as Record<string, unknown>;
      expect(out.message).toBe('value "[redacted]" is out of range for type integer');
    });
  });

  test('other SQLSTATEs keep their message, which names objects, not values', () => {
    const message = 'duplicate key value violates unique constraint "users_email_key"';
    const out = serializeError(
      pgError('23505', message, { detail: 'Key (email)=(a@example.test) already exists.' }),
    ) as Record<string, unknown>;
    expect(out.message).toBe(message);
    expect(out.detail).toBeUndefined();
  });
});
