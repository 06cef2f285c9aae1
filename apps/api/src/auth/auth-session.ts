import type { IssuedSession } from './session-issuer.js';
import type { UserRecord } from './user.repository.js';

/** What register and login return to their callers (HTTP, CLI). */
export interface SignedIn extends IssuedSession {
  user: UserRecord;
}
