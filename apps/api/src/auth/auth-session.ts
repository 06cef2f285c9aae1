import type { CartMergeReport } from '@minishop/domain';

import type { IssuedSession } from './session-issuer.js';
import type { UserRecord } from './user.repository.js';

/** What register and login return to their callers (HTTP, CLI). */
export interface SignedIn extends IssuedSession {
  user: UserRecord;
  /** The guest cart merged at sign-in (`X-Cart-Token`): what did not come over in full. */
  cartMerge?: CartMergeReport;
}
