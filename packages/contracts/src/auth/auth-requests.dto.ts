import { normalizeEmail } from '@minishop/domain';
import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsNotEmpty, IsString } from 'class-validator';

import { MaxCodePoints, NormalizedText, trimmed } from '../common/text-length.js';

/**
 * JSON Schema's `\S`: at least one character that is not white space, the
 * same set `String.prototype.trim` drops, so a name of spaces alone, empty
 * once trimmed, is refused by the document as by the API.
 */
const NOT_BLANK = '\\S';

/**
 * The password rules themselves (length, common passwords) live in the
 * domain; the DTO only bounds the input so nothing huge reaches the hasher.
 */
const PASSWORD_INPUT_MAX = 1024;

/** Body of `POST /auth/register`. Any other field (e.g. `role`) is a 400. */
export class RegisterDto {
  @ApiProperty({
    example: 'ada@example.com',
    format: 'idn-email',
    maxLength: 254,
    description:
      'At most 254 characters (Unicode code points) as sent; surrounding white space is dropped, and the address is stored and compared in lower case and Unicode NFKC, a form that must fit in 254 characters too',
  })
  // Validated in the form it will be stored in: normalising can change it
  // (NFKC folds U+FE6B to "@"), so checking the raw input would let an
  // invalid address through.
  @NormalizedText(254, normalizeEmail)
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    minLength: 8,
    maxLength: 128,
    description:
      '8 to 128 characters (Unicode code points), both as sent and in Unicode NFKC, the form that is stored and compared; not one of the most common passwords',
  })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(PASSWORD_INPUT_MAX)
  password!: string;

  @ApiProperty({
    example: 'Ada Lovelace',
    minLength: 1,
    maxLength: 100,
    pattern: NOT_BLANK,
    description:
      'At most 100 characters (Unicode code points) as sent; stored without surrounding white space',
  })
  @NormalizedText(100, trimmed)
  @IsString()
  @IsNotEmpty()
  name!: string;
}

/** Body of `POST /auth/login`. */
export class LoginDto {
  @ApiProperty({
    example: 'ada@example.com',
    maxLength: 254,
    pattern: NOT_BLANK,
    description:
      'At most 254 characters (Unicode code points) as sent; surrounding white space is dropped',
  })
  @NormalizedText(254, trimmed)
  @IsString()
  @IsNotEmpty()
  email!: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    maxLength: PASSWORD_INPUT_MAX,
    description: 'Compared in Unicode NFKC: any Unicode form of the registered password signs in',
  })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(PASSWORD_INPUT_MAX)
  password!: string;
}

/**
 * Far above any token the API issues (43 characters), and above an access
 * token (a JWT of several hundred) sent here by mistake: a wrong token of
 * any plausible kind is then the 401 of every token that opens no session,
 * not a 400. Only input too big to be a token is refused as such.
 */
const REFRESH_TOKEN_INPUT_MAX = 4096;

/** Body of `POST /auth/refresh` and `POST /auth/logout`. */
export class RefreshTokenDto {
  @ApiProperty({
    example: 'q3Jx0m8b1kZ5cV2nW7yR4tU9pL6sA0dF3gH8jK1lM2o',
    description:
      'The opaque refresh token of a previous register, login or refresh. Any other string (an access token, an unknown, spent or expired token) opens no session: 401 on refresh, a no-op on logout',
    maxLength: REFRESH_TOKEN_INPUT_MAX,
  })
  @IsString()
  @IsNotEmpty()
  @MaxCodePoints(REFRESH_TOKEN_INPUT_MAX)
  refreshToken!: string;
}
