import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { AccessTokenService } from './access-token.service.js';
import { accessTokenKey } from './access-token-key.js';
import { Argon2PasswordHasher } from './argon2-password-hasher.js';
import { AuthController } from './auth.controller.js';
import { CurrentUserService } from './current-user.service.js';
import { AccessTokenGuard } from './guards/access-token.guard.js';
import { ActiveUserGuard } from './guards/active-user.guard.js';
import { CallerScopesGuard } from './guards/caller-scopes.guard.js';
import { OptionalAccessTokenGuard } from './guards/optional-access-token.guard.js';
import { ScopesGuard } from './guards/scopes.guard.js';
import { GuestCartMerge } from './guest-cart-merge.js';
import { ACCESS_TOKEN_ALGORITHM, JwtStrategy } from './jwt.strategy.js';
import { LoginService } from './login.service.js';
import { LogoutService } from './logout.service.js';
import { MeController } from './me.controller.js';
import { PasswordHasher } from './password-hasher.js';
import { TypeormRefreshTokenRepository } from './persistence/typeorm-refresh-token.repository.js';
import { TypeormUserRepository } from './persistence/typeorm-user.repository.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { RegistrationService } from './registration.service.js';
import { SessionIssuer } from './session-issuer.js';
import { FlexibleLoginRateLimiter } from './throttling/flexible-login-rate-limiter.js';
import { LoginRateLimiter } from './throttling/login-rate-limiter.js';
import { LoginThrottleInterceptor } from './throttling/login-throttle.interceptor.js';
import { SignInAddressInterceptor } from './throttling/sign-in-address.interceptor.js';
import { TokenRefreshService } from './token-refresh.service.js';
import { UserRepository } from './user.repository.js';

/**
 * Accounts, tokens and the guard chain. Global so every feature can put
 * `@Authenticated()` / `@Scopes()` on its routes without re-importing it.
 */
@Global()
@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: accessTokenKey(config.jwtSecret),
        signOptions: { algorithm: ACCESS_TOKEN_ALGORITHM },
        verifyOptions: { algorithms: [ACCESS_TOKEN_ALGORITHM] },
      }),
    }),
  ],
  controllers: [AuthController, MeController],
  providers: [
    { provide: UserRepository, useClass: TypeormUserRepository },
    { provide: RefreshTokenRepository, useClass: TypeormRefreshTokenRepository },
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    { provide: LoginRateLimiter, useClass: FlexibleLoginRateLimiter },
    SessionIssuer,
    GuestCartMerge,
    RegistrationService,
    LoginService,
    TokenRefreshService,
    LogoutService,
    CurrentUserService,
    LoginThrottleInterceptor,
    SignInAddressInterceptor,
    AccessTokenService,
    JwtStrategy,
    AccessTokenGuard,
    OptionalAccessTokenGuard,
    ActiveUserGuard,
    ScopesGuard,
    CallerScopesGuard,
  ],
  exports: [
    UserRepository,
    PasswordHasher,
    RegistrationService,
    AccessTokenService,
    AccessTokenGuard,
    OptionalAccessTokenGuard,
    ActiveUserGuard,
    ScopesGuard,
    CallerScopesGuard,
  ],
})
export class AuthModule {}
