import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { AccessTokenService } from './access-token.service.js';
import { AccessTokenGuard } from './guards/access-token.guard.js';
import { ActiveUserGuard } from './guards/active-user.guard.js';
import { OptionalAccessTokenGuard } from './guards/optional-access-token.guard.js';
import { ScopesGuard } from './guards/scopes.guard.js';
import { ACCESS_TOKEN_ALGORITHM, JwtStrategy } from './jwt.strategy.js';
import { TypeormUserRepository } from './persistence/typeorm-user.repository.js';
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
        secret: config.jwtSecret,
        signOptions: { algorithm: ACCESS_TOKEN_ALGORITHM },
        verifyOptions: { algorithms: [ACCESS_TOKEN_ALGORITHM] },
      }),
    }),
  ],
  providers: [
    { provide: UserRepository, useClass: TypeormUserRepository },
    AccessTokenService,
    JwtStrategy,
    AccessTokenGuard,
    OptionalAccessTokenGuard,
    ActiveUserGuard,
    ScopesGuard,
  ],
  exports: [
    UserRepository,
    AccessTokenService,
    AccessTokenGuard,
    OptionalAccessTokenGuard,
    ActiveUserGuard,
    ScopesGuard,
  ],
})
export class AuthModule {}
