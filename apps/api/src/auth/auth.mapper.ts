import type { AuthSessionDto, TokenPairDto, UserDto } from '@minishop/contracts';

import type { SignedIn } from './auth-session.js';
import type { IssuedSession } from './session-issuer.js';
import type { UserRecord } from './user.repository.js';

/**
 * Replies are built field by field from the response DTOs, so a column added
 * to the user record (hashes, flags) never reaches a client by accident.
 */
export const AuthMapper = {
  toUserDto(user: UserRecord): UserDto {
    return { id: user.id, email: user.email, name: user.name, role: user.role };
  },
  toTokenPairDto(session: IssuedSession): TokenPairDto {
    return {
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      expiresIn: session.expiresIn,
    };
  },
  toSessionDto(signedIn: SignedIn): AuthSessionDto {
    return {
      user: AuthMapper.toUserDto(signedIn.user),
      ...AuthMapper.toTokenPairDto(signedIn),
      // The domain's report has the reply's shape, field for field.
      ...(signedIn.cartMerge ? { cartMerge: signedIn.cartMerge } : {}),
    };
  },
};
