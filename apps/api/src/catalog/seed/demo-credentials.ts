import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a seed leaves the passwords it generated, beside the embedded database. */
export const demoCredentialsFile = (dataDir: string): string => join(dataDir, 'demo-accounts.txt');

/** 144 random bits, URL-safe: typed or pasted without quoting. */
export const randomDemoPassword = (): string => randomBytes(18).toString('base64url');

const HEADER = '# Demo accounts (role e-mail password); their passwords are kept nowhere else.\n';

/**
 * Records `role email password` lines for the accounts given, keeping the
 * lines of other accounts from an earlier seed. The old file is removed and
 * the new one created with mode 0600, so the passwords never sit in a file
 * that someone else may read (a mode passed for an existing file would not
 * change it).
 */
export async function writeDemoCredentials(
  dataDir: string,
  accounts: readonly { role: string; email: string; password: string }[],
): Promise<string> {
  const file = demoCredentialsFile(dataDir);
  await mkdir(dataDir, { recursive: true });
  const replaced = new Set(accounts.map((a) => a.email));
  const kept = (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .filter((line) => !replaced.has(line.split(' ')[1] ?? ''))
    .map((line) => `${line}\n`);
  const lines = accounts.map((a) => `${a.role} ${a.email} ${a.password}\n`);
  await rm(file, { force: true });
  await writeFile(file, HEADER + [...kept, ...lines].join(''), { mode: 0o600, flag: 'wx' });
  return file;
}
