import { StripeEmulatorHost } from '../../src/payments/emulator/stripe-emulator.host.js';
import type { StripeEmulator } from '../../src/payments/emulator/stripe-emulator.js';
import type { TestApp } from './test-app.js';

/** The app's in-process Stripe emulator (it runs when STRIPE_SECRET_KEY is unset). */
export function hostedEmulator(t: TestApp): StripeEmulator {
  const hosted = t.get(StripeEmulatorHost).emulator;
  if (!hosted) throw new Error('the emulator runs when STRIPE_SECRET_KEY is unset');
  return hosted;
}

/**
 * Makes the app listen on a port of its own and points the emulator's signed
 * webhooks at it, so they reach the API as Stripe's would (not whatever
 * listens on the default port).
 */
export async function webhooksToThisApp(
  t: TestApp,
): Promise<{ emulator: StripeEmulator; webhookUrl: string }> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.getHttpServer().address() as { port: number };
  const emulator = hostedEmulator(t);
  emulator.webhookUrl = `http://127.0.0.1:${port}/api/v1/webhooks/stripe`;
  return { emulator, webhookUrl: emulator.webhookUrl };
}
