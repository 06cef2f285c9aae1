import type { Provider } from '@nestjs/common';
import Stripe from 'stripe';

import { AppConfig } from '../../infrastructure/config/app-config.js';
import { InProcessStripeHttpClient } from '../emulator/in-process-stripe-http-client.js';
import { StripeEmulatorHost } from '../emulator/stripe-emulator.host.js';

/** The one configured Stripe SDK client; the class itself is the DI token. */
export const stripeClientProvider: Provider = {
  provide: Stripe,
  inject: [AppConfig, StripeEmulatorHost],
  useFactory: (config: AppConfig, host: StripeEmulatorHost) =>
    new Stripe(host.apiKey, {
      ...(host.target ?? {}),
      // The emulator of this very process is called, not reached over HTTP.
      ...(host.emulator ? { httpClient: new InProcessStripeHttpClient(host.emulator) } : {}),
      timeout: config.stripeTimeoutMs,
      // The SDK retries connection errors, 409s and 5xx with the same
      // idempotency key, so a retry never charges twice.
      maxNetworkRetries: config.stripeMaxNetworkRetries,
      appInfo: { name: 'minishop' },
      telemetry: false,
    }),
};
