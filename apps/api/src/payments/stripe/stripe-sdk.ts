import type Stripe from 'stripe';

import { lazily } from '../../infrastructure/runtime/lazily.js';

type StripeSdk = typeof Stripe;

let loaded: StripeSdk | undefined;

/**
 * The Stripe SDK, imported with the first payment call, webhook or emulator
 * start rather than with every process: its ~250 modules are ~4 MB of heap
 * (~10 MB resident) that an API or worker process which has not paid yet,
 * or never will, would carry for nothing.
 */
export const loadStripeSdk: () => Promise<StripeSdk> = lazily(() =>
  import('stripe').then((module) => (loaded = module.default)),
);

/** Whether anything has loaded the SDK in this process yet. */
export function stripeSdkLoaded(): boolean {
  return loaded !== undefined;
}
