import { Readable } from 'node:stream';

import { describe, expect, test } from '@jest/globals';

import { passwordFrom } from './password-input.js';

const stdinOf = (chunks: (string | Buffer)[], isTTY = false) =>
  Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), { isTTY });

describe('passwordFrom', () => {
  test('a terminal is refused: the password would show as typed, with no prompt', async () => {
    await expect(
      passwordFrom({ passwordStdin: true }, stdinOf(['secret\n'], true)),
    ).rejects.toThrow('standard input is a terminal');
  });

  test.each([
    ['both options', { password: 'long enough', passwordStdin: true }],
    ['neither option', {}],
  ])('%s → refused before standard input is read', async (_, options) => {
    const stdin = stdinOf(['long enough too\n']);
    await expect(passwordFrom(options, stdin)).rejects.toThrow(
      'Give exactly one of --password <password> or --password-stdin',
    );
    expect(stdin.readableEnded).toBe(false);
  });

  test.each([
    ['nothing', []],
    ['an empty first line', ['\nsecond line\n']],
    ['a lone CRLF', ['\r\n']],
  ])('--password-stdin with %s on standard input → refused', async (_, chunks) => {
    await expect(passwordFrom({ passwordStdin: true }, stdinOf(chunks))).rejects.toThrow(
      '--password-stdin found no password: standard input’s first line is empty',
    );
  });

  test('the first line is the password, without its CRLF; the rest is not read', async () => {
    await expect(
      passwordFrom({ passwordStdin: true }, stdinOf(['from standard input\r\nthe rest\n'])),
    ).resolves.toBe('from standard input');
  });

  test('a UTF-8 character split across chunks is read whole', async () => {
    const bytes = Buffer.from('pässwörd long\nrest');
    const stdin = stdinOf([bytes.subarray(0, 2), bytes.subarray(2)]);
    await expect(passwordFrom({ passwordStdin: true }, stdin)).resolves.toBe('pässwörd long');
  });

  test('a writer that never stops is read up to the first line only', async () => {
    async function* forever() {
      for (;;) yield Buffer.from('y\n');
    }
    const stdin = Object.assign(Readable.from(forever()), { isTTY: false });
    await expect(passwordFrom({ passwordStdin: true }, stdin)).resolves.toBe('y');
  });

  test('the --password value is taken as is, stdin untouched', async () => {
    const stdin = stdinOf(['other\n']);
    await expect(passwordFrom({ password: 'given here' }, stdin)).resolves.toBe('given here');
    expect(stdin.readableEnded).toBe(false);
  });
});
