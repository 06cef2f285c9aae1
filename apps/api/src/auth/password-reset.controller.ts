import { PasswordResetDto, PasswordResetRequestDto, ProblemDto } from '@minishop/contracts';
import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';

import { ChecksPassword } from './password-checking.decorator.js';
import { PasswordResetService } from './password-reset.service.js';
import { PasswordResetRequestService } from './password-reset-request.service.js';
import { AttemptLimited } from './throttling/attempt-limited.decorator.js';
import {
  PasswordResetConfirmThrottleInterceptor,
  PasswordResetThrottleInterceptor,
} from './throttling/password-reset-throttle.interceptor.js';
import { SignInAddress } from './throttling/sign-in-address.js';

@ApiTags('auth')
// For whoever cannot sign in: open to anonymous callers.
@ApiSecurity({})
@Controller('auth/password-reset')
export class PasswordResetController {
  constructor(
    private readonly requests: PasswordResetRequestService,
    private readonly resets: PasswordResetService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @AttemptLimited(
    PasswordResetThrottleInterceptor,
    'Too many requests for this e-mail or from this address',
  )
  @ApiOperation({
    operationId: 'requestPasswordReset',
    summary: 'Mail a password reset link to an account',
    description:
      'The same 202 whether or not the address has an account: the reply does not tell who shops here. The mail links to PASSWORD_RESET_URL with a single-use token.',
  })
  @ApiAcceptedResponse({ description: 'A reset mail is on its way if the address has an account' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'Invalid body' })
  async request(@Body() body: PasswordResetRequestDto): Promise<void> {
    await this.requests.request(body.email);
  }

  @Post('confirm')
  @HttpCode(HttpStatus.NO_CONTENT)
  @AttemptLimited(PasswordResetConfirmThrottleInterceptor, 'Too many attempts from this address')
  @ChecksPassword()
  @ApiOperation({
    operationId: 'resetPassword',
    summary: 'Set a new password with the token of a reset mail',
    description:
      'Ends every session of the account, as a password change does; sign in with the new password next.',
  })
  @ApiNoContentResponse({ description: 'The password is set' })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description:
      'Invalid body, a new password that breaks the rules, or a token that is unknown, used, expired or issued before the password last changed',
  })
  async reset(@Body() body: PasswordResetDto, @SignInAddress() address: string): Promise<void> {
    await this.resets.reset(body.token, body.newPassword, address);
  }
}
