import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Logger } from '@nestjs/common';
import { lock, type LockOptions } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';

/** Where a seed leaves the passwords it generated, beside the embedded database. */
export const demoCredentialsFile = (dataDir: string): string => join(dataDir, 'demo-accounts.txt');

/** 144 random bits, URL-safe: typed or pasted without quoting. */
export const randomDemoPassword = (): string => randomBytes(18).toString('base64url');

const HEADER = '# Demo accounts (role e-mail password); their passwords are kept nowhere else.\n';

/**
 * Seeds running at once against one DATA_DIR (cluster workers each finding
 * an empty catalog, test runs sharing the folder) each read the file and
 * write it back: without a lock between the read and the write, the last
 * one to write drops the lines the others added. The lock is a directory
 * beside the file, given up when its holder dies (stale after 10 s).
 */
const logger = new Logger('Seed');
const LOCK: LockOptions = {
  realpath: false,
  stale: 10_000,
  retries: { retries: 100, minTimeout: 10, maxTimeout: 200 },
  // Lost only when a holder stalls past `stale`; its write is still whole.
  onCompromised: (error) => logger.warn(`demo accounts file lock lost: ${error.message}`),
};

/**
 * Records `role email password` lines for the accounts given, keeping the
 * lines of other accounts from an earlier seed. The new content is written
 * with mode 0600 beside the file and renamed over it, so the passwords never
 * sit in a file that someone else may read and a reader never meets half a
 * file.
 */
export async function writeDemoCredentials(
  dataDir: string,
  accounts: readonly { role: string; email: string; password: string }[],
): Promise<string> {
  const file = demoCredentialsFile(dataDir);
  await mkdir(dataDir, { recursive: true });
  const release = await lock(file, LOCK);
  try {
    const replaced = new Set(accounts.map((a) => a.email));
    const kept = (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .filter((line) => !replaced.has(line.split(' ')[1] ?? ''))
      .map((line) => `${line}\n`);
    const lines = accounts.map((a) => `${a.role} ${a.email} ${a.password}\n`);
    await writeFileAtomic(file, HEADER + [...kept, ...lines].join(''), { mode: 0o600 });
  } finally {
    await release();
  }
  return file;
}
