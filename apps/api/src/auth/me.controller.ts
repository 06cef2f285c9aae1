import {
  ChangePasswordDto,
  ProblemDto,
  ProfileUpdateDto,
  TokenPairDto,
  UserDto,
} from '@minishop/contracts';
import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AuthMapper } from './auth.mapper.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { CurrentUserService } from './current-user.service.js';
import { Authenticated, CurrentUser } from './decorators/auth.decorators.js';
import { PasswordChangeService } from './password-change.service.js';
import { ChecksPassword } from './password-checking.decorator.js';
import { ProfileUpdateService } from './profile-update.service.js';
import { AttemptLimited } from './throttling/attempt-limited.decorator.js';
import { PasswordChangeThrottleInterceptor } from './throttling/password-change-throttle.interceptor.js';
import { SignInAddress } from './throttling/sign-in-address.js';

@ApiTags('auth')
@Controller('me')
export class MeController {
  constructor(
    private readonly currentUser: CurrentUserService,
    private readonly passwords: PasswordChangeService,
    private readonly profile: ProfileUpdateService,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'getMe', summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<UserDto> {
    return AuthMapper.toUserDto(await this.currentUser.get(caller.id));
  }

  @Patch()
  @Authenticated()
  @ApiOperation({
    operationId: 'updateMe',
    summary: 'Change the signed-in user’s name',
    description:
      'Only the name: the e-mail address and the role cannot be changed here (another field is a 400); the password has POST /me/password.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'Name missing, blank or too long' })
  async update(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() body: ProfileUpdateDto,
  ): Promise<UserDto> {
    return AuthMapper.toUserDto(await this.profile.rename(caller.id, body.name));
  }

  @Post('password')
  @HttpCode(HttpStatus.OK)
  @Authenticated()
  @AttemptLimited(
    PasswordChangeThrottleInterceptor,
    'Too many password attempts on this account or from this address',
  )
  @ChecksPassword()
  @ApiOperation({
    operationId: 'changePassword',
    summary: 'Set a new password, proving the current one',
    description:
      'Ends every session of the account (all refresh tokens are revoked) and stops every access token issued before; the reply is a new session for the caller.',
  })
  @ApiOkResponse({ type: TokenPairDto, description: 'Changed: the new session of this device' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description:
      'Invalid body, a wrong current password, or a new password that breaks the rules or is the current one',
  })
  async changePassword(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() body: ChangePasswordDto,
    @SignInAddress() address: string,
  ): Promise<TokenPairDto> {
    return AuthMapper.toTokenPairDto(await this.passwords.change(caller.id, body, address));
  }
}
