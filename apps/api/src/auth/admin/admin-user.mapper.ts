import type { AdminUserDto } from '@minishop/contracts';

import { AuthMapper } from '../auth.mapper.js';
import type { UserRecord } from '../user.repository.js';

/** Field by field, as AuthMapper: never the hash or the credentials version. */
export function toAdminUserDto(user: UserRecord): AdminUserDto {
  return {
    ...AuthMapper.toUserDto(user),
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}
