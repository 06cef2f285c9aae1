import { type Role, ROLES } from '@minishop/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { CartMergeReportDto } from '../cart/merged-cart.dto.js';

/** A user as clients see it; never the hash, the disabled flag or timestamps. */
export class UserDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '6f1c2a9e-3b7d-4c8e-9f10-2a3b4c5d6e7f' })
  id!: string;

  @ApiProperty({
    // idn-email: the local part may hold non-ASCII letters (RFC 6531).
    format: 'idn-email',
    maxLength: 254,
    example: 'ada@example.com',
    description: 'Stored in lower case and Unicode NFKC',
  })
  email!: string;

  @ApiProperty({ maxLength: 100, example: 'Ada Lovelace' })
  name!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role', example: 'customer' })
  role!: Role;
}

/** A fresh access token and the refresh token that replaces the one presented. */
export class TokenPairDto {
  @ApiProperty({
    description: 'Short-lived JWT (HS256) to send as `Authorization: Bearer <accessToken>`',
    maxLength: 4096,
    example:
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2ZjFjMmE5ZSIsInJvbGUiOiJjdXN0b21lciJ9.c2lnbmF0dXJl',
  })
  accessToken!: string;

  @ApiProperty({
    description:
      'Opaque, single-use: exchange it at POST /auth/refresh for a new pair. Presenting it twice revokes the whole session.',
    maxLength: 200,
    example: 'q3Jx0m8b1kZ5cV2nW7yR4tU9pL6sA0dF3gH8jK1lM2o',
  })
  refreshToken!: string;

  @ApiProperty({
    type: 'integer',
    description: 'Seconds until the access token expires',
    example: 900,
    format: 'int32',
    minimum: 1,
    maximum: 86_400,
  })
  expiresIn!: number;
}

/** Reply of register and login: who signed in, and their tokens. */
export class AuthSessionDto extends TokenPairDto {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  @ApiPropertyOptional({
    type: CartMergeReportDto,
    description:
      'Present when the request sent `X-Cart-Token` and that guest cart was merged into the account’s: what of it did not come over in full, as `POST /cart/merge` reports it',
  })
  cartMerge?: CartMergeReportDto;
}
