import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PaymentProviderError } from '@minishop/domain';

import { PaymentGateway } from '../src/payments/payment-gateway.js';
import { stripeSdkLoaded } from '../src/payments/stripe/stripe-sdk.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// A file of its own: jest gives each file fresh modules, and any other file
// here starts the emulator, which loads the SDK at once.
describe('the Stripe SDK with a real key: loaded by the first payment call, not at start', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        STRIPE_SECRET_KEY: 'sk_test_loaded_when_first_needed',
        // Nothing listens there: the call fails as an unreachable provider.
        STRIPE_API_HOST: '127.0.0.1',
        STRIPE_API_PORT: '9',
        STRIPE_API_PROTOCOL: 'http',
        STRIPE_MAX_NETWORK_RETRIES: '0',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a started, serving API has not loaded it; the first call does, and its errors still translate', async () => {
    await t.http.get('/health/ready').expect(200);
    await t.http.get('/api/v1/products').expect(200);
    expect(stripeSdkLoaded()).toBe(false);
    await expect(t.get(PaymentGateway).retrieveIntent('pi_missing')).rejects.toMatchObject({
      constructor: PaymentProviderError,
      reason: 'unreachable',
    });
    expect(stripeSdkLoaded()).toBe(true);
  });
});
