import { createHash } from 'node:crypto';

import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { type LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';

const KEY_PREFIX = 'minishop:login';

/**
 * Login limits on rate-limiter-flexible: fixed windows per IP and per
 * e-mail, kept in Redis when REDIS_URL is set (shared by every API process)
 * and in process memory otherwise. Should Redis fail, each process falls
 * back to its own memory counters rather than refusing or waving through
 * every login.
 */
@Injectable()
export class FlexibleLoginRateLimiter extends LoginRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('LoginRateLimiter');
  private readonly redis: Redis | undefined;
  private readonly perIp: RateLimiterAbstract;
  private readonly perEmail: RateLimiterAbstract;
  /** 'redis' or 'memory': which storage counts attempts. */
  readonly storage: 'redis' | 'memory';

  constructor(config: AppConfig) {
    super();
    const { perIp, perEmail, windowSeconds } = config.loginRateLimit;
    // Counters belong to one shop (one database): two shops, or two test
    // databases, sharing a Redis must not spend each other's attempts.
    const shop = createHash('sha256')
      .update(config.databaseUrl ?? `embedded:${config.dataDir}`)
      .digest('hex')
      .slice(0, 12);
    const prefix = `${KEY_PREFIX}:${shop}`;
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, {
        // Fail fast into the memory fallback instead of queueing commands
        // while Redis is away (the library's recommended ioredis setup).
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        // A Redis that is connected but no longer answers fails the same way,
        // after this bound, rather than holding the login until its deadline.
        commandTimeout: config.redisCommandTimeoutMs,
        connectionName: 'minishop-login-limits',
      });
      // ioredis retries for ever and emits an error per attempt: say it once
      // per outage, not once per retry.
      let down = false;
      this.redis.on('error', (error: Error) => {
        if (down) return;
        down = true;
        this.logger.warn({ err: error }, 'Redis unavailable for login limits; counting in memory');
      });
      this.redis.on('ready', () => {
        down = false;
      });
      const redis = this.redis;
      const make = (name: string, points: number) =>
        new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${prefix}:${name}`,
          points,
          duration: windowSeconds,
          insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds }),
        });
      this.perIp = make('ip', perIp);
      this.perEmail = make('email', perEmail);
      this.storage = 'redis';
    } else {
      const make = (name: string, points: number) =>
        new RateLimiterMemory({
          keyPrefix: `${prefix}:${name}`,
          points,
          duration: windowSeconds,
        });
      this.perIp = make('ip', perIp);
      this.perEmail = make('email', perEmail);
      this.storage = 'memory';
    }
  }

  async consume(attempt: LoginAttempt): Promise<{ retryAfterSeconds: number } | null> {
    const limited =
      (await this.take(this.perIp, attempt.ip)) ??
      (attempt.email !== undefined ? await this.take(this.perEmail, attempt.email) : null);
    return limited;
  }

  private async take(
    limiter: RateLimiterAbstract,
    key: string,
  ): Promise<{ retryAfterSeconds: number } | null> {
    try {
      await limiter.consume(key);
      return null;
    } catch (rejection) {
      // The library rejects with a RateLimiterRes when the limit is hit and
      // with an Error only when storage failed and no fallback answered.
      if (rejection instanceof RateLimiterRes) {
        return { retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      throw rejection;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis) return;
    // quit() lets pending commands finish; disconnect() then also stops the
    // reconnect timer of a Redis that never answered, which would otherwise
    // keep the process alive after shutdown.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }
}
