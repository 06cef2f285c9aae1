import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { MailModule } from '../mail/mail.module.js';
import { AccessTokenService } from './access-token.service.js';
import { accessTokenKey } from './access-token-key.js';
import { AccountAccessCache } from './account-access-cache.js';
import { AccountStatusService } from './admin/account-status.service.js';
import { AdminUserQueryService } from './admin/admin-user-query.service.js';
import { AdminUsersController } from './admin/admin-users.controller.js';
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
import { PasswordChangeService } from './password-change.service.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordReplacement } from './password-replacement.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';
import { PasswordResetMailHandler } from './password-reset-mail.handler.js';
import { PasswordResetRequestService } from './password-reset-request.service.js';
import { PasswordResetTokenRepository } from './password-reset-token.repository.js';
import { PasswordSetService } from './password-set.service.js';
import { TypeormPasswordResetTokenRepository } from './persistence/typeorm-password-reset-token.repository.js';
import { TypeormRefreshTokenRepository } from './persistence/typeorm-refresh-token.repository.js';
import { TypeormUserRepository } from './persistence/typeorm-user.repository.js';
import { ProfileUpdateService } from './profile-update.service.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { RegistrationService } from './registration.service.js';
import { SessionIssuer } from './session-issuer.js';
import { FlexibleLoginRateLimiter } from './throttling/flexible-login-rate-limiter.js';
import { LoginRateLimiter } from './throttling/login-rate-limiter.js';
import { LoginThrottleInterceptor } from './throttling/login-throttle.interceptor.js';
import { PasswordChangeThrottleInterceptor } from './throttling/password-change-throttle.interceptor.js';
import {
  PasswordResetConfirmThrottleInterceptor,
  PasswordResetThrottleInterceptor,
} from './throttling/password-reset-throttle.interceptor.js';
import { RegistrationThrottleInterceptor } from './throttling/registration-throttle.interceptor.js';
import { TokenRefreshService } from './token-refresh.service.js';
import { UserRepository } from './user.repository.js';

/**
 * Accounts, tokens and the guard chain. Global so every feature can put
 * `@Authenticated()` / `@Scopes()` on its routes without re-importing it.
 */
@Global()
@Module({
  imports: [
    MailModule,
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
  controllers: [AuthController, MeController, PasswordResetController, AdminUsersController],
  providers: [
    { provide: UserRepository, useClass: TypeormUserRepository },
    { provide: RefreshTokenRepository, useClass: TypeormRefreshTokenRepository },
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    { provide: LoginRateLimiter, useClass: FlexibleLoginRateLimiter },
    { provide: PasswordResetTokenRepository, useClass: TypeormPasswordResetTokenRepository },
    SessionIssuer,
    GuestCartMerge,
    RegistrationService,
    LoginService,
    TokenRefreshService,
    LogoutService,
    CurrentUserService,
    PasswordReplacement,
    PasswordChangeService,
    PasswordResetRequestService,
    PasswordResetMailHandler,
    PasswordResetService,
    PasswordSetService,
    ProfileUpdateService,
    AdminUserQueryService,
    AccountStatusService,
    LoginThrottleInterceptor,
    PasswordChangeThrottleInterceptor,
    PasswordResetThrottleInterceptor,
    PasswordResetConfirmThrottleInterceptor,
    RegistrationThrottleInterceptor,
    AccessTokenService,
    JwtStrategy,
    AccessTokenGuard,
    OptionalAccessTokenGuard,
    AccountAccessCache,
    ActiveUserGuard,
    ScopesGuard,
    CallerScopesGuard,
  ],
  exports: [
    UserRepository,
    PasswordHasher,
    RegistrationService,
    PasswordSetService,
    AccountStatusService,
    AccessTokenService,
    AccessTokenGuard,
    OptionalAccessTokenGuard,
    AccountAccessCache,
    ActiveUserGuard,
    ScopesGuard,
    CallerScopesGuard,
  ],
})
export class AuthModule {}
