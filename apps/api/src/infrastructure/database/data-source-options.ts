import type { DataSourceOptions } from 'typeorm';

import { RefreshTokenOrmEntity } from '../../auth/persistence/refresh-token.orm-entity.js';
import { UserOrmEntity } from '../../auth/persistence/user.orm-entity.js';
import { CartOrmEntity } from '../../cart/persistence/cart.orm-entity.js';
import { CartLineOrmEntity } from '../../cart/persistence/cart-line.orm-entity.js';
import { PaymentEventOrmEntity } from '../../payments/persistence/payment-event.orm-entity.js';
import { migrations } from './migrations/index.js';
import { SESSION_SETTINGS } from './session-settings.js';

/** Every entity of every feature; features append theirs here. */
export const entities: DataSourceOptions['entities'] = [
  UserOrmEntity,
  RefreshTokenOrmEntity,
  CartOrmEntity,
  CartLineOrmEntity,
  PaymentEventOrmEntity,
];

export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max: poolSize,
      // Fail fast instead of queueing for ever when the database is gone:
      // the request gets a 503 and the pool recovers once it is back.
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A connection whose server vanished without a word (a failover, a
      // dropped NAT entry) otherwise waits for a reply that never comes,
      // for good: TCP only notices a dead peer while it has data to send.
      // Probes begin after 10 s idle; the host's tcp_keepalive_intvl and
      // _probes (75 s x 9 on Linux by default) decide how soon it gives up.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'minishop',
      options: SESSION_SETTINGS,
    },
  };
}
