import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a seed leaves the passwords it generated, beside the embedded database. */
export const demoCredentialsFile = (dataDir: string): string => join(dataDir, 'demo-accounts.txt');

/** 144 random bits, URL-safe: typed or pasted without quoting. */
export const randomDemoPassword = (): string => randomBytes(18).toString('base64url');

const HEADER = '# Demo accounts (role e-mail password); their passwords are kept nowhere else.\n';

/**
 * Records `role email password` lines for the accounts given, keeping the
 * lines of other accounts from an earlier seed. The new content is created
 * with mode 0600 in a file of its own, so the passwords never sit in a file
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
  // A new file of our own, renamed over the old one: processes seeding at
  // once (cluster workers, test runs sharing DATA_DIR) never meet a half
  // written file or each other's EEXIST.
  const fresh = `${file}.${randomUUID()}.tmp`;
  await writeFile(fresh, HEADER + [...kept, ...lines].join(''), { mode: 0o600, flag: 'wx' });
  await rename(fresh, file);
  return file;
}
