import { normalizeEmail } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { JobQueue } from '../jobs/job-queue.js';

/**
 * POST /auth/password-reset: a reset mail for the account of this address,
 * made and sent by the worker (PasswordResetMailHandler). The reply is the
 * same whether or not the address has an account, so it does not tell who
 * shops here; a disabled account gets no mail either. The request does the
 * same work for every address, one job enqueued, and the worker looks the
 * account up: a request that looked first and enqueued only for an enabled
 * account answered later for those, and its time told them apart.
 */
@Injectable()
export class PasswordResetRequestService {
  constructor(private readonly jobs: JobQueue) {}

  async request(email: string): Promise<void> {
    await this.jobs.enqueue('auth.password-reset-mail', { email: normalizeEmail(email) });
  }
}
