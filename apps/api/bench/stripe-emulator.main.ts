// The bench's Stripe: the emulator of the built app in a process of its own.
// Prints `port <n>` once it listens, then serves until it is sent SIGTERM.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type * as Emulator from '../src/payments/emulator/stripe-emulator.js';

const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { StripeEmulator } = (await import(
  pathToFileURL(join(API_DIR, 'dist/payments/emulator/stripe-emulator.js')).href
)) as typeof Emulator;

const emulator = await StripeEmulator.start({
  apiKey: process.env.STRIPE_SECRET_KEY!,
  webhookSecret: process.env.STRIPE_WEBHOOK_SECRET!,
  webhookUrl: process.env.STRIPE_EMULATOR_WEBHOOK_URL!,
  port: 0,
});
process.once('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
console.log(`port ${emulator.port}`);
