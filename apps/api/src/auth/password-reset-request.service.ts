import { normalizeEmail } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { JobQueue } from '../jobs/job-queue.js';
import { UserRepository } from './user.repository.js';

/**
 * POST /auth/password-reset: a reset mail for the account of this address,
 * made and sent by the worker (PasswordResetMailHandler). The reply is the
 * same whether or not the address has an account, so it does not tell who
 * shops here; a disabled account gets no mail either.
 */
@Injectable()
export class PasswordResetRequestService {
  constructor(
    private readonly users: UserRepository,
    private readonly jobs: JobQueue,
  ) {}

  async request(email: string): Promise<void> {
    const user = await this.users.findByEmail(normalizeEmail(email));
    if (!user || user.disabled) return;
    await this.jobs.enqueue('auth.password-reset-mail', { userId: user.id });
  }
}
