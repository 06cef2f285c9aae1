import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

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

/**
 * Points the emulator's webhooks at a stand-in that keeps each one until
 * `release`, then sends it on to where they went, signature and all: for a
 * test that reads a reply Stripe's webhook would otherwise race. `release`
 * also points the emulator back.
 */
export async function heldWebhooks(
  emulator: StripeEmulator,
): Promise<{ release: () => Promise<void> }> {
  const target = emulator.webhookUrl;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void opened
        .then(async () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(request.headers)) {
            if (
              typeof value === 'string' &&
              !['host', 'content-length', 'connection'].includes(name)
            )
              headers[name] = value;
          }
          const sent = await fetch(target, {
            method: 'POST',
            headers,
            body: Buffer.concat(chunks),
          });
          response.writeHead(sent.status, {
            'Content-Type': sent.headers.get('content-type') ?? '',
          });
          response.end(await sent.text());
        })
        .catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  emulator.webhookUrl = `http://127.0.0.1:${port}/api/v1/webhooks/stripe`;
  return {
    release: async () => {
      open();
      await emulator.idle();
      emulator.webhookUrl = target;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
