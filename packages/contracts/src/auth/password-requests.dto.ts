import { ApiProperty, PickType } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';

import { MaxCodePoints } from '../common/text-length.js';
import { LoginDto } from './auth-requests.dto.js';

/** As for register and login: the rules live in the domain, the DTO only bounds the input. */
const PASSWORD_INPUT_MAX = 1024;
/** Far above the 43 characters of a token the API issues; more cannot be one. */
const RESET_TOKEN_INPUT_MAX = 512;

const NEW_PASSWORD = {
  example: 'a longer passphrase this time',
  minLength: 8,
  maxLength: 128,
  description:
    '8 to 128 characters (Unicode code points), both as sent and in Unicode NFKC; not one of the most common passwords',
} as const;

/** Body of `POST /me/password`. */
export class ChangePasswordDto {
  @ApiProperty({
    example: 'correct horse battery staple',
    maxLength: PASSWORD_INPUT_MAX,
    description: "The account's password now (compared as at login)",
  })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(PASSWORD_INPUT_MAX)
  currentPassword!: string;

  @ApiProperty({ ...NEW_PASSWORD, description: `${NEW_PASSWORD.description}; not the current one` })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(PASSWORD_INPUT_MAX)
  newPassword!: string;
}

/** Body of `POST /auth/password-reset`: the e-mail, as login takes it. */
export class PasswordResetRequestDto extends PickType(LoginDto, ['email'] as const) {}

/** Body of `POST /auth/password-reset/confirm`. */
export class PasswordResetDto {
  @ApiProperty({
    example: 'Zb3x9Qm1pL0sK7dF2gH8jW4tU6rY5vC1nM3oA8eI0uQ',
    maxLength: RESET_TOKEN_INPUT_MAX,
    description: 'The token of the reset mail',
  })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(RESET_TOKEN_INPUT_MAX)
  token!: string;

  @ApiProperty(NEW_PASSWORD)
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(PASSWORD_INPUT_MAX)
  newPassword!: string;
}
