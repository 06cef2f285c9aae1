import { createHash } from 'node:crypto';

import { normalizeEmail } from '@minishop/domain';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

import { Clock } from '../../infrastructure/clock/clock.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { type LoginAttempt, LoginRateLimiter } from './login-rate-limiter.js';
import { ThrottleStoreOutage } from './throttle-store-outage.js';

const KEY_PREFIX = 'minishop:login';

/**
 * Where one shop's login counters live in Redis. They belong to one shop
 * (one database): two shops, or two test databases, sharing a Redis must
 * not spend each other's attempts. Exported so whoever drops a database
 * (tests, the bench) can drop its counters too: `known` ones last days.
 */
export function loginThrottleKeyPrefix(databaseUrl: string | undefined, dataDir: string): string {
  const shop = createHash('sha256')
    .update(databaseUrl ?? `embedded:${dataDir}`)
    .digest('hex')
    .slice(0, 12);
  return `${KEY_PREFIX}:${shop}`;
}

/**
 * `ip`: every attempt from an address; `email`: attempts on an account from
 * addresses that never signed in to it; `pair`: attempts on an account from
 * one address that did; `known`: the addresses that did, per account;
 * `remember`: how many addresses an account may add to those per
 * LOGIN_KNOWN_IP_DAYS, which bounds both what is stored and how many
 * budgets of its own whoever holds the password can open for guessing;
 * `epoch`: how many times the account's known addresses were forgotten. A
 * known address is marked with the epoch it was remembered in, and counts
 * only in that epoch: forgetting them all is one increment, not a search.
 * `register`: registrations from an address, a budget apart from its logins.
 */
type Limit = 'ip' | 'email' | 'pair' | 'known' | 'remember' | 'epoch' | 'register';
type Limiters = Record<Limit, RateLimiterAbstract>;

/** Addresses an account can add to its known ones per LOGIN_KNOWN_IP_DAYS. */
export const KNOWN_ADDRESSES_PER_ACCOUNT = 10;

/** How long logins skip a failing Redis before one of them tries it again. */
export const STORE_RETRY_AFTER_MS = 5_000;
type Verdict = { retryAfterSeconds: number } | null;

/**
 * Login limits on rate-limiter-flexible: fixed windows per IP and per
 * e-mail (and for registrations, per IP), kept in Redis when REDIS_URL is set (shared by every API process)
 * and in process memory otherwise. An address that signed in to an account
 * within LOGIN_KNOWN_IP_DAYS is counted on its own for that account instead
 * of with everyone else's attempts on it: anyone may spend an account's
 * budget, but only from elsewhere, and the owner still signs in from home.
 * Should Redis fail, each process falls back to its own memory counters
 * rather than refusing or waving through every login (fail open, see
 * THROTTLE_STORE_FAILURE_MODE); those do not know the addresses Redis
 * remembers, so during an outage every address counts as new.
 */
@Injectable()
export class FlexibleLoginRateLimiter extends LoginRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('LoginRateLimiter');
  private readonly redis: Redis | undefined;
  /** In Redis; undefined without REDIS_URL. */
  private readonly shared: Limiters | undefined;
  /** In this process: the only counters without Redis, the fallback with it. */
  private readonly local: Limiters;
  private readonly outage: ThrottleStoreOutage;
  /** 'redis' or 'memory': which storage counts attempts. */
  readonly storage: 'redis' | 'memory';

  /**
   * While Redis fails, logins count in memory without asking it, and one
   * login at a time, every STORE_RETRY_AFTER_MS, finds out whether it
   * answers again: a frozen Redis costs that login one command timeout,
   * not every login.
   */
  private storeRetryAt = 0;
  private readonly knownSeconds: number;

  constructor(
    config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
    const { perIp, perEmail, windowSeconds, knownIpDays } = config.loginRateLimit;
    const registrations = config.registrationRateLimit;
    const prefix = loginThrottleKeyPrefix(config.databaseUrl, config.dataDir);
    this.knownSeconds = knownIpDays * 86_400;
    const points: Record<Limit, number> = {
      ip: perIp,
      email: perEmail,
      pair: perEmail,
      known: 1,
      remember: KNOWN_ADDRESSES_PER_ACCOUNT,
      // Only read and raised, never consumed.
      epoch: 1,
      register: registrations.perIp,
    };
    const durations: Record<Limit, number> = {
      ip: windowSeconds,
      email: windowSeconds,
      pair: windowSeconds,
      known: this.knownSeconds,
      remember: this.knownSeconds,
      // Never expires (0): counted up again from 0 after expiring, it would
      // make the marks of its earlier values count again. One small key per
      // account whose addresses were ever forgotten.
      epoch: 0,
      register: registrations.windowSeconds,
    };
    const limiters = (make: (limit: Limit) => RateLimiterAbstract): Limiters => ({
      ip: make('ip'),
      email: make('email'),
      pair: make('pair'),
      known: make('known'),
      remember: make('remember'),
      epoch: make('epoch'),
      register: make('register'),
    });
    this.outage = new ThrottleStoreOutage(this.logger, clock);
    this.local = limiters(
      (limit) =>
        new RateLimiterMemory({
          keyPrefix: `${prefix}:${limit}`,
          points: points[limit],
          duration: durations[limit],
        }),
    );
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, {
        // Fail fast into the memory fallback instead of queueing commands
        // while Redis is away (the library's recommended ioredis setup).
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        // A Redis that is connected but no longer answers fails the same way,
        // after this bound, rather than holding the login until its deadline.
        commandTimeout: config.redisCommandTimeoutMs,
        connectionName: 'minishop-login-limits',
      });
      // ioredis retries for ever and emits an error per attempt; the outage
      // says it once.
      redis.on('error', (error: Error) => this.outage.failed(error));
      this.redis = redis;
      this.shared = limiters(
        (limit) =>
          new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${prefix}:${limit}`,
            points: points[limit],
            duration: durations[limit],
          }),
      );
      this.storage = 'redis';
    } else {
      this.storage = 'memory';
    }
  }

  async consume(attempt: LoginAttempt): Promise<Verdict> {
    // One request waits for Redis at most once: after a failure (a command
    // timeout is REDIS_COMMAND_TIMEOUT_MS), the rest is counted in memory
    // straight away instead of meeting the same timeout again.
    const request = { storeFailed: false };
    const byIp = await this.inStore(request, (l) => verdictOf(l.ip, attempt.ip));
    if (byIp || attempt.email === undefined) return byIp;
    const email = attempt.email;
    const pair = pairKey(attempt.ip, email);
    const { known } = await this.inStore(request, (l) => addressOf(l, pair, email));
    return this.inStore(request, (l) =>
      known ? verdictOf(l.pair, pair) : verdictOf(l.email, email),
    );
  }

  consumeRegistration(ip: string): Promise<Verdict> {
    return this.inStore({ storeFailed: false }, (l) => verdictOf(l.register, ip));
  }

  async signedIn(attempt: LoginAttempt & { email: string }): Promise<void> {
    const pair = pairKey(attempt.ip, attempt.email);
    await this.inStore({ storeFailed: false }, async (l) => {
      // A known address is kept for another LOGIN_KNOWN_IP_DAYS; a new one
      // takes one of the account's allowance, and past it is not remembered.
      const { known, mark } = await addressOf(l, pair, attempt.email);
      if (!known && (await verdictOf(l.remember, attempt.email)) !== null) return;
      await l.known.set(pair, mark, this.knownSeconds);
    });
  }

  async forgetAddresses(email: string): Promise<void> {
    const key = normalizeEmail(email);
    const forget = async (l: Limiters) => {
      await l.epoch.penalty(key, 1);
      await l.remember.delete(key);
    };
    // Rare and worth a try whatever the logins are doing: Redis is asked
    // even while logins skip it after a failure.
    if (this.shared) {
      try {
        await forget(this.shared);
      } catch (error) {
        // The addresses Redis remembers for the account count again once it
        // answers: said, not hidden.
        this.logger.warn(
          { err: error },
          'could not forget the known sign-in addresses of an account in Redis',
        );
      }
    }
    await forget(this.local);
  }

  /** `use` on the Redis limiters when they answer, else on this process's own. */
  private async inStore<T>(
    request: { storeFailed: boolean },
    use: (limiters: Limiters) => Promise<T>,
  ): Promise<T> {
    const now = this.clock.now().getTime();
    if (this.shared && !request.storeFailed && now >= this.storeRetryAt) {
      // The others skip Redis while this one probes it.
      if (this.storeRetryAt > 0) this.storeRetryAt = now + STORE_RETRY_AFTER_MS;
      try {
        const result = await use(this.shared);
        this.storeRetryAt = 0;
        this.outage.answered();
        return result;
      } catch (error) {
        request.storeFailed = true;
        this.storeRetryAt = this.clock.now().getTime() + STORE_RETRY_AFTER_MS;
        this.outage.failed(error);
      }
    }
    return use(this.local);
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

/**
 * Whether the pair's address is a known one of the account, and the mark a
 * remembered address gets now: its epoch, plus one (0 is no mark).
 */
async function addressOf(
  l: Limiters,
  pair: string,
  email: string,
): Promise<{ known: boolean; mark: number }> {
  const [marked, epoch] = await Promise.all([l.known.get(pair), l.epoch.get(email)]);
  const mark = (epoch?.consumedPoints ?? 0) + 1;
  return { known: marked?.consumedPoints === mark, mark };
}

/** Unambiguous whatever either holds: a forwarded "IP" is not always an address. */
const pairKey = (ip: string, email: string) => JSON.stringify([ip, email]);

/** Counts one attempt: null when allowed, else how long to wait; throws when storage failed. */
async function verdictOf(limiter: RateLimiterAbstract, key: string): Promise<Verdict> {
  try {
    await limiter.consume(key);
    return null;
  } catch (rejection) {
    // The library rejects with a RateLimiterRes when the limit is hit and
    // with an Error when its storage failed.
    if (rejection instanceof RateLimiterRes) {
      return { retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
    throw rejection;
  }
}
