import { join } from 'node:path';

import { assertAcceptablePassword } from '@minishop/domain';

import { errorMessage } from '../logging/error-message.js';
import { ConfigError, type EnvSchema, validateEnv } from './env.schema.js';

/** Used only when JWT_SECRET is unset outside production; start prints a warning. */
export const DEV_JWT_SECRET = 'minishop-dev-only-secret-change-me-0123456789';
/** Used only when STRIPE_WEBHOOK_SECRET is unset; start prints it. */
export const DEV_WEBHOOK_SECRET = 'whsec_minishop_dev_secret';

/**
 * The typed, defaulted configuration every module injects. Built once from the
 * environment (or, in tests, from an object), so nothing else reads process.env.
 */
export class AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** Undefined means: start the embedded PostgreSQL. */
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /**
   * How long any Redis command may wait for its reply before it fails. A
   * Redis that accepts connections but stops answering (a frozen server, a
   * partition without a reset) would otherwise hold every request that asks
   * it until the request deadline; with this bound each feature meets an
   * error it already handles (uncached catalog reads, login limits counted
   * in memory).
   */
  readonly redisCommandTimeoutMs: number;
  readonly jwtSecret: string;
  readonly jwtSecretIsDefault: boolean;
  readonly jwtAccessTtlSeconds: number;
  readonly jwtRefreshTtlSeconds: number;
  /** A sign-in's session ends this long after it, however often its token is rotated. */
  readonly jwtRefreshMaxAgeSeconds: number;
  readonly stripeSecretKey: string | undefined;
  readonly stripeWebhookSecret: string;
  readonly stripeApi: { host?: string; port?: number; protocol?: 'http' | 'https' };
  readonly stripeTimeoutMs: number;
  readonly stripeMaxNetworkRetries: number;
  /**
   * The local Stripe emulator, used when STRIPE_SECRET_KEY is unset: the port
   * it listens on (0 = any free one) and where it delivers webhook events.
   */
  readonly stripeEmulator: { port: number; webhookUrl: string };
  readonly corsOrigins: string[];
  readonly reservationTtlMinutes: number;
  readonly storeCurrency: string;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  readonly dataDir: string;
  /**
   * Passwords for the demo accounts a non-production seed creates, when set
   * (DEMO_ADMIN_PASSWORD, DEMO_CUSTOMER_PASSWORD); a missing one is random.
   */
  readonly demoPasswords: { admin: string | undefined; customer: string | undefined };
  readonly embeddedPgPort: number;
  readonly dbPoolSize: number;
  /**
   * Whether the first connection to the database is retried for a few
   * seconds, as a server does for a container that accepts TCP before
   * logins. A command line user wants the failure at once instead.
   */
  readonly retryFirstConnection: boolean;
  readonly runWorker: 'inline' | 'off';
  readonly smtpUrl: string | undefined;
  readonly requestTimeoutMs: number;
  /**
   * How long a request waits for a catalog hit looked up in Redis before it
   * goes the full way. At most a quarter of the request timeout: the
   * request's own deadline starts only after the wait.
   */
  readonly catalogCacheWaitMs: number;
  readonly mailFrom: string;
  /**
   * The storefront page a password reset mail links to (`?token=` is
   * appended), and how long the link works.
   */
  readonly passwordReset: { url: string; ttlSeconds: number };
  readonly workerShutdownGraceMs: number;
  /**
   * On shutdown, how long this process' in-flight jobs get to finish before
   * they are failed for a retry. The job worker gives them all of
   * WORKER_SHUTDOWN_GRACE_MS. Jobs worked inline stop with the API, whose stop
   * SHUTDOWN_GRACE_MS bounds (it is what orchestrators, and the start:prod
   * primary, wait for): they get no longer, or the process would be killed
   * with them still running, neither finished nor failed for a retry.
   */
  readonly jobsShutdownGraceMs: number;
  /** The job worker process's scheduling niceness (0 = as the API, 19 = only idle CPU). */
  readonly workerNice: number;
  /** Touched by the job worker every few seconds while its database answers (WORKER_HEARTBEAT_FILE). */
  readonly workerHeartbeatFile: string | undefined;
  /** Login attempts allowed per window: per e-mail, per client IP, window in seconds. */
  readonly loginRateLimit: {
    perEmail: number;
    perIp: number;
    windowSeconds: number;
    /** How long an address that signed in to an account is exempt from the account's own limit. */
    knownIpDays: number;
  };
  /** Registrations allowed per client IP per window (seconds). */
  readonly registrationRateLimit: { perIp: number; windowSeconds: number };
  readonly shutdownGraceMs: number;
  /**
   * Fastify's trustProxy: whose X-Forwarded-For to believe for the client
   * address (and so the per-IP login limit). true = any peer, false = none,
   * a string = those proxy addresses/CIDRs.
   */
  readonly trustProxy: boolean | string;
  /** TRUST_PROXY was not set: trustProxy is the default of this NODE_ENV. */
  readonly trustProxyIsDefault: boolean;
  /** Requests per minute one client IP may make to the API; 0 = no limit. */
  readonly rateLimitPerMinute: number;
  /** Worker processes of `npm run start:prod`; undefined = one per CPU. */
  readonly webConcurrency: number | undefined;
  /** Where public catalog replies are cached: Redis when REDIS_URL is set, else in process. */
  readonly catalogCache: 'memory' | 'redis';
  /** Lifetime of cached product replies; bounds how stale `stock.available` may be. */
  readonly catalogListTtlSeconds: number;
  /**
   * How long the guard's account check may be served from memory (heard
   * changes drop an entry at once: see AccountAccessCache); 0 reads the
   * database on every request.
   */
  readonly accountCacheSeconds: number;
  /**
   * Stripe webhook deliveries of one event. `leaseMs`: how long a delivery
   * holds an event it handles; longer than the slowest handling (three
   * preparations, each with provider calls the SDK retries), so a lease never
   * runs out under a live holder, and short enough that an event whose holder
   * died is free again by Stripe's next retries. `duplicateWaitMs`: how long
   * a duplicate delivery waits for that holder; most handling takes
   * milliseconds, so the duplicate usually answers as such, and past the wait
   * it answers 409 for Stripe to deliver it again, well within the time
   * Stripe waits for an answer.
   */
  readonly paymentEvents: { leaseMs: number; duplicateWaitMs: number };

  private constructor(env: EnvSchema, jobWorker: boolean, commandLine = false) {
    this.nodeEnv = (env.NODE_ENV as AppConfig['nodeEnv'] | undefined) ?? 'development';
    const production = this.nodeEnv === 'production';
    this.port = env.PORT ?? 3000;
    this.host = env.HOST ?? '0.0.0.0';
    this.databaseUrl = env.DATABASE_URL;
    this.redisUrl = env.REDIS_URL;
    // A command normally answers within a millisecond or two: half a second
    // leaves room for a busy server (a fork for a snapshot) and keeps a
    // stalled one to a short delay.
    this.redisCommandTimeoutMs = env.REDIS_COMMAND_TIMEOUT_MS ?? 500;
    if (production && !env.JWT_SECRET) {
      throw new ConfigError(['JWT_SECRET is required when NODE_ENV=production']);
    }
    this.jwtSecret = env.JWT_SECRET ?? DEV_JWT_SECRET;
    this.jwtSecretIsDefault = !env.JWT_SECRET;
    this.jwtAccessTtlSeconds = env.JWT_ACCESS_TTL ?? 15 * 60;
    this.jwtRefreshTtlSeconds = env.JWT_REFRESH_TTL ?? 30 * 24 * 3600;
    this.jwtRefreshMaxAgeSeconds = env.JWT_REFRESH_MAX_AGE ?? 90 * 24 * 3600;
    this.stripeSecretKey = env.STRIPE_SECRET_KEY;
    // Without a key, payments go to the local emulator (or the server of
    // STRIPE_API_HOST, such as stripe-mock) with a key of no account, and no
    // money moves: a production start must ask for that (a demo stack, the
    // bench) rather than fall back to it for want of a key.
    const keyless = (env.STRIPE_EMULATOR ?? (production ? 'off' : 'on')) === 'on';
    if (!env.STRIPE_SECRET_KEY && !keyless) {
      throw new ConfigError([
        production
          ? 'STRIPE_SECRET_KEY is required when NODE_ENV=production (or STRIPE_EMULATOR=on for payments that move no money: the local Stripe emulator, or STRIPE_API_HOST)'
          : 'STRIPE_EMULATOR=off needs STRIPE_SECRET_KEY',
      ]);
    }
    if (env.STRIPE_SECRET_KEY && env.STRIPE_EMULATOR === 'on') {
      throw new ConfigError(['STRIPE_EMULATOR=on and STRIPE_SECRET_KEY exclude each other']);
    }
    // The development secret is public (it is in the README): with it, anyone
    // who reaches the webhook route could sign "payment succeeded" events.
    if (production && !env.STRIPE_WEBHOOK_SECRET) {
      throw new ConfigError(['STRIPE_WEBHOOK_SECRET is required when NODE_ENV=production']);
    }
    this.stripeWebhookSecret = env.STRIPE_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET;
    this.stripeApi = {
      ...(env.STRIPE_API_HOST ? { host: env.STRIPE_API_HOST } : {}),
      ...(env.STRIPE_API_PORT ? { port: env.STRIPE_API_PORT } : {}),
      ...(env.STRIPE_API_PROTOCOL ? { protocol: env.STRIPE_API_PROTOCOL as 'http' | 'https' } : {}),
    };
    this.stripeTimeoutMs = env.STRIPE_TIMEOUT_MS ?? 10_000;
    this.stripeMaxNetworkRetries = env.STRIPE_MAX_NETWORK_RETRIES ?? 2;
    this.stripeEmulator = {
      // Tests run many apps at once, each with an emulator of its own.
      port: env.STRIPE_EMULATOR_PORT ?? (this.nodeEnv === 'test' ? 0 : 12111),
      webhookUrl:
        env.STRIPE_EMULATOR_WEBHOOK_URL ?? `http://127.0.0.1:${this.port}/api/v1/webhooks/stripe`,
    };
    this.corsOrigins =
      env.CORS_ORIGINS !== undefined
        ? env.CORS_ORIGINS.split(',')
            .map((o) => o.trim())
            .filter(Boolean)
        : production
          ? []
          : ['http://localhost:3000', 'http://localhost:5173', 'http://127.0.0.1:5173'];
    this.reservationTtlMinutes = env.RESERVATION_TTL_MINUTES ?? 30;
    this.storeCurrency = env.STORE_CURRENCY ?? 'EUR';
    this.bodyLimitBytes = env.BODY_LIMIT_BYTES ?? 1024 * 1024;
    this.logLevel = env.LOG_LEVEL ?? (this.nodeEnv === 'test' ? 'silent' : 'info');
    this.dataDir = env.DATA_DIR ?? join(process.cwd(), '.data');
    this.demoPasswords = {
      admin: acceptablePassword('DEMO_ADMIN_PASSWORD', env.DEMO_ADMIN_PASSWORD),
      customer: acceptablePassword('DEMO_CUSTOMER_PASSWORD', env.DEMO_CUSTOMER_PASSWORD),
    };
    this.embeddedPgPort = env.EMBEDDED_PG_PORT ?? 54329;
    this.dbPoolSize = env.DB_POOL_SIZE ?? 20;
    this.retryFirstConnection = !commandLine;
    this.runWorker = (env.RUN_WORKER as AppConfig['runWorker'] | undefined) ?? 'inline';
    this.smtpUrl = env.SMTP_URL;
    this.requestTimeoutMs = env.REQUEST_TIMEOUT_MS ?? 30_000;
    this.catalogCacheWaitMs =
      env.CATALOG_CACHE_WAIT_MS ?? Math.min(1_000, this.requestTimeoutMs / 4);
    if (this.catalogCacheWaitMs > this.requestTimeoutMs / 4) {
      throw new ConfigError(['CATALOG_CACHE_WAIT_MS must be at most REQUEST_TIMEOUT_MS / 4']);
    }
    this.mailFrom = env.MAIL_FROM ?? 'minishop <no-reply@minishop.local>';
    this.passwordReset = {
      url: env.PASSWORD_RESET_URL ?? 'http://localhost:5173/reset-password',
      ttlSeconds: (env.PASSWORD_RESET_TTL_MINUTES ?? 60) * 60,
    };
    this.workerShutdownGraceMs = env.WORKER_SHUTDOWN_GRACE_MS ?? 20_000;
    this.workerNice = env.WORKER_NICE ?? 10;
    this.workerHeartbeatFile = env.WORKER_HEARTBEAT_FILE;
    this.loginRateLimit = {
      perEmail: env.LOGIN_RATE_LIMIT ?? 5,
      perIp: env.LOGIN_RATE_LIMIT_IP ?? 20,
      windowSeconds: env.LOGIN_RATE_WINDOW ?? 60,
      knownIpDays: env.LOGIN_KNOWN_IP_DAYS ?? 14,
    };
    // A person signs up once, a household or an office behind one address a
    // few times, with room for a retry after a refused password: ten in ten
    // minutes refuses none of them. It holds what one address can make the
    // server hash to one argon2 hash a minute on average, and a script
    // signing up accounts in bulk to 1,440 a day. An address many people
    // share (carrier-grade NAT, a campus) may need more: REGISTER_RATE_LIMIT_IP.
    this.registrationRateLimit = {
      perIp: env.REGISTER_RATE_LIMIT_IP ?? 10,
      windowSeconds: env.REGISTER_RATE_WINDOW ?? 600,
    };
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS ?? 10_000;
    this.jobsShutdownGraceMs = jobWorker
      ? this.workerShutdownGraceMs
      : Math.min(this.workerShutdownGraceMs, this.shutdownGraceMs);
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY, production);
    this.trustProxyIsDefault = env.TRUST_PROXY === undefined;
    this.rateLimitPerMinute = env.RATE_LIMIT_PER_MINUTE ?? 6_000;
    this.webConcurrency = env.WEB_CONCURRENCY;
    this.catalogCache =
      (env.CATALOG_CACHE as AppConfig['catalogCache'] | undefined) ??
      (env.REDIS_URL ? 'redis' : 'memory');
    if (this.catalogCache === 'redis' && !env.REDIS_URL) {
      throw new ConfigError(['CATALOG_CACHE=redis needs REDIS_URL']);
    }
    this.catalogListTtlSeconds = env.CATALOG_CACHE_TTL_SECONDS ?? 5;
    this.accountCacheSeconds = env.ACCOUNT_CACHE_SECONDS ?? 60;
    this.paymentEvents = {
      leaseMs: env.PAYMENT_EVENT_LEASE_MS ?? 5 * 60_000,
      duplicateWaitMs: env.PAYMENT_EVENT_WAIT_MS ?? 5_000,
    };
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  /** Validates and defaults a raw environment; throws `ConfigError` naming each bad variable. */
  static fromEnv(raw: Record<string, string | undefined>): AppConfig {
    return new AppConfig(validateEnv(raw), false);
  }

  /** `npm run cli`'s: a command never works jobs (it may enqueue them); that is the worker's part. */
  static forCommandLine(raw: Record<string, string | undefined>): AppConfig {
    return new AppConfig(validateEnv({ ...raw, RUN_WORKER: 'off' }), false, true);
  }

  /** The job worker's: it works jobs whatever RUN_WORKER says, and serves no requests. */
  static forJobWorker(raw: Record<string, string | undefined>): AppConfig {
    return new AppConfig(validateEnv({ ...raw, RUN_WORKER: 'inline' }), true);
  }
}

/**
 * Unset: believed in development and tests (a local proxy at most), not in
 * production, where a client could otherwise pick its own address by sending
 * X-Forwarded-For and so escape per-IP limits. Behind a load balancer list
 * its addresses (or subnet).
 */
function parseTrustProxy(value: string | undefined, production: boolean): boolean | string {
  if (value === undefined) return !production;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** A configured account password, held to the rules every account's password follows. */
function acceptablePassword(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    assertAcceptablePassword(value);
  } catch (error) {
    throw new ConfigError([`${name}: ${errorMessage(error)}`]);
  }
  return value;
}
