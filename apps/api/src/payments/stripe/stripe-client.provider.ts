import type { Provider } from '@nestjs/common';
import type Stripe from 'stripe';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { lazily } from '../../infrastructure/runtime/lazily.js';
import { inProcessStripeHttpClient } from '../emulator/in-process-stripe-http-client.js';
import { StripeEmulatorHost } from '../emulator/stripe-emulator.host.js';
import { loadStripeSdk } from './stripe-sdk.js';

/** The one configured Stripe SDK client, made with the first call that needs it. */
export class StripeClient {
  readonly get: () => Promise<Stripe>;

  constructor(create: () => Promise<Stripe>) {
    this.get = lazily(create);
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
