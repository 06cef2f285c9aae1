import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the app reads, with its rules. Names are those of
 * API.md; defaults live in `AppConfig`, so this class only says what is valid.
 */
export class EnvSchema {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_ACCESS_TTL must be a whole number of seconds' })
  @Min(10)
  @Max(86_400)
  JWT_ACCESS_TTL?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_REFRESH_TTL must be a whole number of seconds' })
  @Min(60)
  @Max(31_536_000)
  JWT_REFRESH_TTL?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'JWT_REFRESH_MAX_AGE must be a whole number of seconds' })
  @Min(60)
  @Max(315_360_000)
  JWT_REFRESH_MAX_AGE?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^(sk|rk)_(test|live)_\w+$/, { message: 'STRIPE_SECRET_KEY must look like sk_test_…' })
  STRIPE_SECRET_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^whsec_\w+$/, { message: 'STRIPE_WEBHOOK_SECRET must look like whsec_…' })
  STRIPE_WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  STRIPE_API_HOST?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  STRIPE_API_PORT?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['http', 'https'])
  STRIPE_API_PROTOCOL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(120_000)
  STRIPE_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  STRIPE_MAX_NETWORK_RETRIES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  STRIPE_EMULATOR_PORT?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['on', 'off'], { message: 'STRIPE_EMULATOR must be on or off' })
  STRIPE_EMULATOR?: 'on' | 'off';

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/.+/, { message: 'STRIPE_EMULATOR_WEBHOOK_URL must be an http(s):// URL' })
  STRIPE_EMULATOR_WEBHOOK_URL?: string;

  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_080)
  RESERVATION_TTL_MINUTES?: number;

  // A code that is none (a typo such as EUE) would price the whole catalog
  // in it, and every checkout would then fail at the payment provider.
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'STORE_CURRENCY must be an ISO 4217 code such as EUR' })
  @IsISO4217CurrencyCode({
    message: 'STORE_CURRENCY must be an ISO 4217 currency in use, such as EUR',
  })
  STORE_CURRENCY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(50 * 1024 * 1024)
  BODY_LIMIT_BYTES?: number;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE?: number;

  @IsOptional()
  @IsIn(['inline', 'off'])
  RUN_WORKER?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// URL' })
  SMTP_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  REQUEST_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_RATE_LIMIT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_RATE_LIMIT_IP?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  LOGIN_RATE_WINDOW?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  // The memory store times each entry with setTimeout, whose delay Node caps
  // at 2^31 - 1 ms (24.8 days).
  @Max(24)
  LOGIN_KNOWN_IP_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  REGISTER_RATE_LIMIT_IP?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  REGISTER_RATE_WINDOW?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  // No hop counts: Fastify 5 trusts no peer for a number (it cannot check the
  // immediate peer), so list the proxies' addresses instead.
  @Matches(/^(?!\d+$)(true|false|[\da-fA-F.:/]+(\s*,\s*[\da-fA-F.:/]+)*)$/, {
    message:
      'TRUST_PROXY must be true, false or a comma-separated list of proxy addresses/CIDRs (no hop counts)',
  })
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  WEB_CONCURRENCY?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['memory', 'redis'])
  CATALOG_CACHE?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  CATALOG_CACHE_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  ACCOUNT_CACHE_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(150_000)
  CATALOG_CACHE_WAIT_MS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  MAIL_FROM?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/[^?#\s]+$/, {
    message: 'PASSWORD_RESET_URL must be an http(s):// URL without query or fragment',
  })
  PASSWORD_RESET_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(1440)
  PASSWORD_RESET_TTL_MINUTES?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  WORKER_SHUTDOWN_GRACE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(19)
  WORKER_NICE?: number;

  // A file the job worker touches while it can reach its database, for a
  // container health check (docker-compose.yml) that has no port to ask.
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  WORKER_HEARTBEAT_FILE?: string;

  // Under ten seconds, a lease could run out during one provider call (the
  // SDK's default timeout) and a duplicate delivery call Stripe again.
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PAYMENT_EVENT_LEASE_MS must be a whole number of milliseconds' })
  @Min(10_000)
  @Max(3_600_000)
  PAYMENT_EVENT_LEASE_MS?: number;

  // 0 answers a duplicate 409 at once; past 30 s, Stripe may have given up
  // on the delivery before it is answered.
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PAYMENT_EVENT_WAIT_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(30_000)
  PAYMENT_EVENT_WAIT_MS?: number;

  /** The demo accounts' passwords; unset, each seed makes a random one. */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  DEMO_ADMIN_PASSWORD?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  DEMO_CUSTOMER_PASSWORD?: string;
}

/** Thrown at start when the environment is wrong; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const TYPE_RULES = ['isInt', 'isString', 'matches', 'isIn'];

export function validateEnv(raw: Record<string, unknown>): EnvSchema {
  const env = plainToInstance(EnvSchema, raw, { exposeDefaultValues: true });
  const errors = validateSync(env);
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const constraints = e.constraints ?? {};
        // The type rule says the most when several fail (PORT=abc is "not an
        // integer", not "greater than 65535").
        const key = TYPE_RULES.find((k) => k in constraints) ?? Object.keys(constraints)[0] ?? '';
        const message = constraints[key] ?? 'is invalid';
        return message.startsWith(e.property) ? message : `${e.property}: ${message}`;
      }),
    );
  }
  return env;
}
