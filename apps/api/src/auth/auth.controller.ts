import {
  AuthSessionDto,
  LoginDto,
  ProblemDto,
  RefreshTokenDto,
  RegisterDto,
  TokenPairDto,
} from '@minishop/contracts';
import {
  Body,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  HttpCode,
  HttpStatus,
  Post,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

import { LocatedReply } from '../infrastructure/http/reply-location.js';
import { AuthMapper } from './auth.mapper.js';
import { LoginService } from './login.service.js';
import { LogoutService } from './logout.service.js';
import { ChecksPassword } from './password-checking.decorator.js';
import { RegistrationService } from './registration.service.js';
import { AttemptLimited } from './throttling/attempt-limited.decorator.js';
import { LoginThrottleInterceptor } from './throttling/login-throttle.interceptor.js';
import { RegistrationThrottleInterceptor } from './throttling/registration-throttle.interceptor.js';
import { TokenRefreshService } from './token-refresh.service.js';

const CART_TOKEN_HEADER = {
  name: 'X-Cart-Token',
  required: false,
  description: 'Guest cart to merge into the account once signed in',
  schema: { type: 'string', maxLength: 200 },
} as const;

/** The optional `X-Cart-Token` header (documented once, by `@ApiHeader`, as optional). */
const CartToken = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const value = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers[
    'x-cart-token'
  ];
  return typeof value === 'string' && value !== '' ? value : undefined;
});

@ApiTags('auth')
// Signing in is what these routes are for: they are open to anonymous callers.
@ApiSecurity({})
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly logins: LoginService,
    private readonly refreshes: TokenRefreshService,
    private readonly logouts: LogoutService,
  ) {}

  @Post('register')
  @AttemptLimited(RegistrationThrottleInterceptor, 'Too many registrations from this address')
  @ChecksPassword()
  @ApiOperation({ operationId: 'authRegister', summary: 'Create a customer account and sign in' })
  @ApiHeader(CART_TOKEN_HEADER)
  @LocatedReply({
    status: 201,
    type: AuthSessionDto,
    location: 'The new account: GET /api/v1/me with the returned access token',
    path: () => 'me',
  })
  @ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Invalid body, unknown field, or a password that breaks the rules',
  })
  @ApiConflictResponse({ type: ProblemDto, description: 'The e-mail is already registered' })
  async register(
    @Body() body: RegisterDto,
    @CartToken() cartToken?: string,
  ): Promise<AuthSessionDto> {
    return AuthMapper.toSessionDto(await this.registration.register(body, { cartToken }));
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @AttemptLimited(
    LoginThrottleInterceptor,
    'Too many attempts for this e-mail or from this address',
  )
  @ChecksPassword()
  @ApiOperation({ operationId: 'authLogin', summary: 'Sign in with e-mail and password' })
  @ApiHeader(CART_TOKEN_HEADER)
  @ApiOkResponse({ type: AuthSessionDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'Invalid body' })
  @ApiUnauthorizedResponse({
    type: ProblemDto,
    description: 'Wrong e-mail or password (one reply for both), or a disabled account',
  })
  async login(@Body() body: LoginDto, @CartToken() cartToken?: string): Promise<AuthSessionDto> {
    return AuthMapper.toSessionDto(await this.logins.login(body, { cartToken }));
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'authRefresh',
    summary: 'Exchange a refresh token for a new token pair (the old one is spent)',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'Invalid body' })
  @ApiUnauthorizedResponse({
    type: ProblemDto,
    description: 'Unknown, expired or revoked refresh token; a spent one revokes its whole session',
  })
  async refresh(@Body() body: RefreshTokenDto): Promise<TokenPairDto> {
    return AuthMapper.toTokenPairDto(await this.refreshes.refresh(body.refreshToken));
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'authLogout',
    summary: 'End the session of this refresh token (all its rotations)',
  })
  @ApiNoContentResponse({ description: 'Signed out (also when the token was already unusable)' })
  @ApiBadRequestResponse({ type: ProblemDto, description: 'Invalid body' })
  async logout(@Body() body: RefreshTokenDto): Promise<void> {
    await this.logouts.logout(body.refreshToken);
  }
}
