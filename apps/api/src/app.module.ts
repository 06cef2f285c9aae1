import { type DynamicModule, Module } from '@nestjs/common';

import { AuthModule } from './auth/auth.module.js';
import { CartModule } from './cart/cart.module.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { HealthModule } from './health/health.module.js';
import { ClockModule } from './infrastructure/clock/clock.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { ConfigModule } from './infrastructure/config/config.module.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { LoggingModule } from './infrastructure/logging/logging.module.js';
import { MetricsModule } from './infrastructure/metrics/metrics.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MailModule } from './mail/mail.module.js';
import { OrdersPaymentIntentResolver } from './orders/order-payment-intent.resolver.js';
import { OrdersModule } from './orders/orders.module.js';
import { OrderPaymentEventHandler } from './orders/payment-events.handler.js';
import { PaymentsModule } from './payments/payments.module.js';

/** Feature modules shared by every entry point (HTTP, worker, CLI). */
export const featureModules = [
  HealthModule,
  AuthModule,
  JobsModule,
  MailModule,
  CartModule,
  CatalogModule,
  OrdersModule,
  PaymentsModule.register({
    eventHandler: OrderPaymentEventHandler,
    orderResolver: OrdersPaymentIntentResolver,
    imports: [OrdersModule],
  }),
];

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        MetricsModule,
        ClockModule,
        ...featureModules,
      ],
    };
  }
}
