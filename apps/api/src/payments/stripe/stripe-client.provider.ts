import type { Provider } from '@nestjs/common';
import type Stripe from 'stripe';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { inProcessStripeHttpClient } from '../emulator/in-process-stripe-http-client.js';
import { StripeEmulatorHost } from '../emulator/stripe-emulator.host.js';
import { loadStripeSdk } from './stripe-sdk.js';

/** The one configured Stripe SDK client, made with the first call that needs it. */
export class StripeClient {
  private client: Promise<Stripe> | undefined;

  constructor(private readonly create: () => Promise<Stripe>) {}

  get(): Promise<Stripe> {
    return (this.client ??= this.create().catch((error: unknown) => {
      // Not kept either: the next call tries again.
      this.client = undefined;
      throw error;
    }));
  }
}

export const stripeClientProvider: Provider = {
  provide: StripeClient,
  inject: [AppConfig, StripeEmulatorHost],
  useFactory: (config: AppConfig, host: StripeEmulatorHost) =>
    new StripeClient(async () => {
      const Sdk = await loadStripeSdk();
      return new Sdk(host.apiKey, {
        ...(host.target ?? {}),
        // The emulator of this very process is called, not reached over HTTP.
        ...(host.emulator ? { httpClient: inProcessStripeHttpClient(Sdk, host.emulator) } : {}),
        timeout: config.stripeTimeoutMs,
        // The SDK retries connection errors, 409s and 5xx with the same
        // idempotency key, so a retry never charges twice.
        maxNetworkRetries: config.stripeMaxNetworkRetries,
        appInfo: { name: 'minishop' },
        telemetry: false,
      });
    }),
};
