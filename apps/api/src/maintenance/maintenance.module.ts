import { Module } from '@nestjs/common';

import { CartModule } from '../cart/cart.module.js';
import { CleanupHandlers } from './cleanup.handlers.js';
import { IdempotencyKeyCleanupService } from './idempotency-key-cleanup.service.js';
import { PasswordResetCleanupService } from './password-reset-cleanup.service.js';
import { RefreshTokenCleanupService } from './refresh-token-cleanup.service.js';

/** Scheduled clean-ups of data that only grows (see cleanup.handlers.ts). */
@Module({
  imports: [CartModule],
  providers: [
    RefreshTokenCleanupService,
    IdempotencyKeyCleanupService,
    PasswordResetCleanupService,
    CleanupHandlers,
  ],
  exports: [RefreshTokenCleanupService, IdempotencyKeyCleanupService, PasswordResetCleanupService],
})
export class MaintenanceModule {}
