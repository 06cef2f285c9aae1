import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { waitFor } from './jobs-probe.js';

/** The outbox the development mailer writes to, under DATA_DIR. */
export const outboxDir = (dataDir: string): string => join(dataDir, 'outbox');

/** File names in the outbox; none while the mailer has not created the folder yet. */
export function outboxFiles(dataDir: string): string[] {
  try {
    return readdirSync(outboxDir(dataDir));
  } catch {
    return [];
  }
}

/**
 * Waits for the worker to write the mail of one `mail.send` job (the job id
 * is its message id, so its file name) and returns the .eml text.
 */
export async function waitForOutboxMail(
  dataDir: string,
  jobId: string,
  what = 'the mail in the outbox',
): Promise<string> {
  const name = `${jobId}@minishop.eml`;
  const file = await waitFor(async () => outboxFiles(dataDir).find((f) => f === name), what);
  return readFileSync(join(outboxDir(dataDir), file), 'utf8');
}
