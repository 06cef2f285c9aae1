import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { Logger } from '@nestjs/common';

import { AppConfig, DEV_WEBHOOK_SECRET } from '../../infrastructure/config/app-config.js';
import { StripeEmulatorHost } from './stripe-emulator.host.js';

describe('StripeEmulatorHost: the development webhook secret', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  const messages = () => {
    const seen: string[] = [];
    for (const level of ['log', 'warn'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
        seen.push(`${level}: ${String(message)}`);
      });
    return seen;
  };

  test('is printed, as a warning, when real Stripe is used without STRIPE_WEBHOOK_SECRET', async () => {
    const seen = messages();
    const host = await StripeEmulatorHost.create(
      AppConfig.fromEnv({ NODE_ENV: 'development', STRIPE_SECRET_KEY: 'sk_test_abc' }),
    );
    expect(host.emulated).toBe(false);
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^warn: .*${DEV_WEBHOOK_SECRET}`))]);
  });

  test('is printed when the SDK is pointed at another server (stripe-mock)', async () => {
    const seen = messages();
    await StripeEmulatorHost.create(
      AppConfig.fromEnv({ NODE_ENV: 'development', STRIPE_API_HOST: 'localhost' }),
    );
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^log: .*${DEV_WEBHOOK_SECRET}`))]);
  });

  test('is not printed once STRIPE_WEBHOOK_SECRET is set', async () => {
    const seen = messages();
    await StripeEmulatorHost.create(
      AppConfig.fromEnv({
        NODE_ENV: 'development',
        STRIPE_SECRET_KEY: 'sk_test_abc',
        STRIPE_WEBHOOK_SECRET: 'whsec_own',
      }),
    );
    expect(seen).toEqual([]);
  });
});
