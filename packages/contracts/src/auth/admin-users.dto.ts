import { normalizeEmail, type Role, ROLES } from '@minishop/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';

import { NextCursorProperty, PageQueryDto } from '../common/pagination.dto.js';
import { queryBoolean } from '../common/query-boolean.js';
import { NormalizedText, trimmed } from '../common/text-length.js';
import { UserDto } from './auth-replies.dto.js';

/** An account as staff see it: what customers see of themselves, plus its status. */
export class AdminUserDto extends UserDto {
  @ApiProperty({
    example: false,
    description: 'A disabled account cannot sign in, refresh or use any token it holds',
  })
  disabled!: boolean;

  @ApiProperty({ format: 'date-time', maxLength: 40, example: '2026-11-25T10:00:00.000Z' })
  createdAt!: string;
}

export class AdminUserPageDto {
  @ApiProperty({ type: [AdminUserDto], maxItems: 100 })
  items!: AdminUserDto[];

  @NextCursorProperty()
  nextCursor!: string | null;
}

/** `GET /admin/users`: newest first, optionally narrowed (every filter given must hold). */
export class AdminUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 254,
    example: 'ada@example.com',
    description: 'Only the account with this e-mail (compared in lower case and Unicode NFKC)',
  })
  @IsOptional()
  @NormalizedText(254, normalizeEmail)
  @IsString()
  @IsNotEmpty()
  email?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    // Not blank: spaces alone are nothing to search for once trimmed.
    pattern: '\\S',
    example: 'ada',
    description:
      'Only accounts whose e-mail or name contains this text, in any case; surrounding white space is dropped, and %, _ and \\ stand for themselves',
  })
  @IsOptional()
  @NormalizedText(100, trimmed)
  @IsString()
  @IsNotEmpty()
  q?: string;

  @ApiPropertyOptional({ enum: ROLES, enumName: 'Role' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: only disabled accounts; false: only enabled ones',
  })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  disabled?: boolean;
}

/** Body of `PATCH /admin/users/{id}`. Any other field (role, email, password) is a 400. */
export class AdminUserUpdateDto {
  @ApiProperty({
    example: true,
    description:
      'true disables the account, ends every session and password reset link it has (enabling it again does not bring them back) and cancels its unpaid orders (shortly after, in the background: their stock is released and their payments cancelled); an admin cannot disable their own account',
  })
  @IsBoolean()
  disabled!: boolean;
}
