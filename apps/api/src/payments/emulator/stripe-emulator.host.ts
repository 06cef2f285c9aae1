import { Logger, type OnApplicationShutdown } from '@nestjs/common';

import { type AppConfig, DEV_WEBHOOK_SECRET } from '../../infrastructure/config/app-config.js';
import { StripeEmulator } from './stripe-emulator.js';

/** The key the SDK presents to the emulator; it has no meaning anywhere else. */
export const EMULATOR_API_KEY = 'sk_test_minishop_local_emulator';

export interface StripeApiTarget {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/**
 * Decides where the Stripe SDK talks to, and runs the local emulator when
 * that is the answer:
 * - STRIPE_SECRET_KEY set: real Stripe (or STRIPE_API_HOST/PORT/PROTOCOL);
 * - else STRIPE_API_HOST set: that server (e.g. stripe-mock) with a dummy key;
 * - else the emulator on 127.0.0.1:STRIPE_EMULATOR_PORT. When that port is
 *   taken by another minishop process (the API, while `npm run cli` runs),
 *   this process uses that emulator rather than a second, empty one.
 */
export class StripeEmulatorHost implements OnApplicationShutdown {
  /** Built by `create`; public only so the class can serve as its DI token. */
  constructor(
    /** The emulator this process runs, if any. */
    readonly emulator: StripeEmulator | null,
    /** Where the SDK sends requests; null means Stripe's own servers. */
    readonly target: StripeApiTarget | null,
    /** The key the SDK uses. */
    readonly apiKey: string,
    /** Whether requests go to an emulator (this process's or another's). */
    readonly emulated: boolean,
  ) {}

  static async create(config: AppConfig): Promise<StripeEmulatorHost> {
    const logger = new Logger('StripeEmulator');
    // The development secret is printed where webhooks will need it: by the
    // emulator this process starts, else here.
    const announceDevSecret = (level: 'log' | 'warn', why: string) => {
      if (config.stripeWebhookSecret === DEV_WEBHOOK_SECRET)
        logger[level](
          `Webhooks are verified with the development secret ${DEV_WEBHOOK_SECRET}${why}`,
        );
    };
    if (config.stripeSecretKey) {
      announceDevSecret(
        'warn',
        ": STRIPE_WEBHOOK_SECRET is not set, so Stripe's own events, signed with your endpoint's secret, are refused",
      );
      const api = config.stripeApi;
      const target = api.host
        ? { host: api.host, port: api.port ?? 443, protocol: api.protocol ?? 'https' }
        : null;
      return new StripeEmulatorHost(null, target, config.stripeSecretKey, false);
    }
    if (config.stripeApi.host) {
      announceDevSecret('log', ` (STRIPE_WEBHOOK_SECRET is not set)`);
      const api = config.stripeApi;
      const target = {
        host: api.host ?? '',
        port: api.port ?? 12111,
        protocol: api.protocol ?? 'http',
      };
      return new StripeEmulatorHost(null, target, 'sk_test_123', false);
    }
    if (config.isProduction) {
      logger.warn(
        'STRIPE_SECRET_KEY is not set in production: payments go to the local emulator and no money moves.',
      );
    }
    const port = config.stripeEmulator.port;
    try {
      const emulator = await StripeEmulator.start({
        apiKey: EMULATOR_API_KEY,
        webhookSecret: config.stripeWebhookSecret,
        webhookUrl: config.stripeEmulator.webhookUrl,
        port,
        onDeliveryFailed: (event, result) =>
          logger.warn(
            `Gave up delivering ${event.type} ${event.id} to ${emulator.webhookUrl} after ${result.attempts} attempts (${result.last})`,
          ),
      });
      logger.log(
        `Local Stripe emulator on ${emulator.baseUrl}; webhooks to ${emulator.webhookUrl}, signed with ${config.stripeWebhookSecret}`,
      );
      return new StripeEmulatorHost(
        emulator,
        { host: '127.0.0.1', port: emulator.port, protocol: 'http' },
        EMULATOR_API_KEY,
        true,
      );
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE' || port === 0) throw error;
      logger.log(`Using the Stripe emulator already running on 127.0.0.1:${port}`);
      announceDevSecret('log', ' (STRIPE_WEBHOOK_SECRET is not set)');
      return new StripeEmulatorHost(
        null,
        { host: '127.0.0.1', port, protocol: 'http' },
        EMULATOR_API_KEY,
        true,
      );
    }
  }

  /** Base URL of the emulator's API, for its `/_emulator` control routes. */
  get emulatorUrl(): string | null {
    if (!this.emulated || !this.target) return null;
    return `${this.target.protocol}://${this.target.host}:${this.target.port}`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.emulator?.close();
  }
}
