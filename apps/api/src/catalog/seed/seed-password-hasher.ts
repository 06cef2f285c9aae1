import { normalizePassword } from '@minishop/domain';
import { hash } from '@node-rs/argon2';

/**
 * Hashes the demo accounts' passwords the way the auth feature stores them
 * (argon2id, the library's default, PHC string, of the NFKC form). Kept
 * local to seeding until auth exposes its own hashing port.
 */
export function hashDemoPassword(password: string): Promise<string> {
  return hash(normalizePassword(password));
}
