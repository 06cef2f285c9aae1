import { AccountDisabledError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { type UserRecord, UserRepository } from './user.repository.js';

/** PATCH /me: the caller renames their account; one conditional statement. */
@Injectable()
export class ProfileUpdateService {
  constructor(private readonly users: UserRepository) {}

  async rename(userId: string, name: string): Promise<UserRecord> {
    const user = await this.users.rename(userId, name);
    // Disabled (or deleted) since the guard chain looked: the same 401 as GET /me.
    if (!user) throw new AccountDisabledError();
    return user;
  }
}
