import type { Readable } from 'node:stream';

import type { OptionMetadata } from 'nest-commander';

/**
 * How a command that sets a password takes it: on the command line, where
 * `ps` and the shell history show it to others, or from standard input
 * (`--password-stdin`, as `docker login` does), which they do not see.
 */
export interface PasswordOptions {
  password?: string;
  passwordStdin?: boolean;
}

export const PASSWORD_OPTION: OptionMetadata = {
  flags: '--password <password>',
  description:
    '8 to 128 characters; visible to other local users (ps) and kept in shell history: prefer --password-stdin',
};

export const PASSWORD_STDIN_OPTION: OptionMetadata = {
  flags: '--password-stdin',
  description: 'Read the password from the first line of standard input',
};

export async function passwordFrom(
  options: PasswordOptions,
  stdin: Readable = process.stdin,
): Promise<string> {
  // Checked before reading: a mistaken command line must not wait for input.
  if ((options.password === undefined) === (options.passwordStdin === undefined)) {
    throw new Error('Give exactly one of --password <password> or --password-stdin');
  }
  if (options.password !== undefined) return options.password;
  // At a terminal it would wait without a prompt and show the password as typed.
  if ((stdin as { isTTY?: boolean }).isTTY) {
    throw new Error('--password-stdin reads a pipe or a file, and standard input is a terminal');
  }
  const password = await firstLine(stdin);
  if (password === '') {
    throw new Error('--password-stdin found no password: standard input’s first line is empty');
  }
  return password;
}

/** Up to the first line end (LF or CRLF, not kept), or all of it when there is none. */
async function firstLine(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  // Bytes, decoded once at the end: a chunk may end inside a UTF-8 character.
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const end = chunk.indexOf(0x0a);
    if (end !== -1) {
      chunks.push(chunk.subarray(0, end));
      // Leaving the loop closes the input: the rest is not read, and a writer
      // that never ends (`yes | ...`) cannot keep the command waiting.
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
}
