import { AccountDisabledError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { type UserRecord, UserRepository } from './user.repository.js';

/** GET /me: the caller's own account. */
@Injectable()
export class CurrentUserService {
  constructor(private readonly users: UserRepository) {}

  async get(userId: string): Promise<UserRecord> {
    const user = await this.users.findById(userId);
    // The guard chain checked this a moment ago; a deletion in between is the same 401.
    if (!user || user.disabled) throw new AccountDisabledError();
    return user;
  }
}
