import type { AdminUserDto, AdminUserPageDto } from '@minishop/contracts';
import { isUuid, UserNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { type UserListQuery, UserRepository } from '../user.repository.js';
import { toAdminUserDto } from './admin-user.mapper.js';

/** Reads of `GET /admin/users` and `GET /admin/users/{id}`. */
@Injectable()
export class AdminUserQueryService {
  constructor(private readonly users: UserRepository) {}

  async list(query: UserListQuery): Promise<AdminUserPageDto> {
    const page = await this.users.list(query);
    return { items: page.items.map(toAdminUserDto), nextCursor: page.nextCursor };
  }

  /** A malformed id names no account: the same 404 as an unknown one. */
  async get(id: string): Promise<AdminUserDto> {
    const user = isUuid(id) ? await this.users.findById(id) : null;
    if (!user) throw new UserNotFoundError(id);
    return toAdminUserDto(user);
  }
}
